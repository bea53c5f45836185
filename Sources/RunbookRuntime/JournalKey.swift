// The key that authenticates run journals (docs/executor.md, "Who can change a journal"): 32 random
// bytes, written as hex in a file only its owner can read, outside every repository
// (`$XDG_STATE_HOME/rbc/journal.key`, else `~/.local/state/rbc/journal.key`; `RBC_JOURNAL_KEY` names
// another file). Each journal line carries an HMAC under it, chained to the line before, so a journal
// edited by someone who does not hold the key — or written by another user or machine — is told apart
// from one this user's rbc wrote, before `rbc rollback` or `rbc resume` acts on it.

import Foundation
import RunbookSource
#if canImport(Glibc)
import Glibc
#endif

public struct JournalKey: Sendable {
    public let path: String
    private let bytes: [UInt8]

    public enum Problem: Error, CustomStringConvertible {
        /// The file exists but others could know or change it (or it is not a key): never used.
        case unsafe(String, String)
        /// There is no key and none could be made (no home directory, a read-only one).
        case unavailable(String, String)

        public var description: String {
            switch self {
            case .unsafe(let path, let why): "the journal key \(path) \(why); rbc will not use it (remove it and rbc makes a new one)"
            case .unavailable(let path, let why): "no journal key at \(path) (\(why))"
            }
        }
    }

    /// Where the key lives, nil when there is no home directory to put it in.
    public static func location(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let named = environment["RBC_JOURNAL_KEY"], !named.isEmpty { return named }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/rbc/journal.key" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/rbc/journal.key" }
        guard let entry = getpwuid(geteuid()), let directory = entry.pointee.pw_dir else { return nil }
        let home = String(cString: directory)
        return home.hasPrefix("/") ? home + "/.local/state/rbc/journal.key" : nil
    }

    /// The user's key; with `create`, one is made the first time (a run does, reading never does).
    public static func load(create: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> JournalKey {
        guard let path = location(environment: environment) else { throw .unavailable("~/.local/state/rbc/journal.key", "no home directory") }
        if let key = try read(path) { return key }
        guard create else { throw .unavailable(path, "it does not exist") }
        try make(path)
        guard let key = try read(path) else { throw .unavailable(path, "it vanished as it was made") }
        return key
    }

    /// The key to check journals with when only reading them: reading never makes one.
    public static func forChecking(environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<JournalKey, Problem> {
        do { return .success(try load(create: false, environment: environment)) } catch { return .failure(error) }
    }

    /// The key at `path`, nil when there is no file there.
    private static func read(_ path: String) throws(Problem) -> JournalKey? {
        let contents: [UInt8]?
        do throws(PrivateSecretFile.Problem) {
            contents = try PrivateSecretFile.read(path, limit: 128)
        } catch {
            switch error {
            case .unsafe(let why): throw .unsafe(path, why)
            case .unavailable(let why): throw .unavailable(path, why)
            }
        }
        guard let contents else { return nil }
        let text = contents.filter { $0 != 0x0A }
        guard text.count == 64, let bytes = hexBytes(text) else { throw .unsafe(path, "does not hold a key (64 hex digits)") }
        return JournalKey(path: path, bytes: bytes)
    }

    /// Writes a new random key, unless one appeared meanwhile (two rbc starting at once agree on the first).
    private static func make(_ path: String) throws(Problem) {
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        do throws(PrivateSecretFile.Problem) {
            try PrivateSecretFile.create(path, contents: Array((SHA256.hexString(key) + "\n").utf8))
        } catch {
            throw .unavailable(path, error.description)
        }
    }

    private static func hexBytes(_ digits: [UInt8]) -> [UInt8]? {
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            case 0x41...0x46: digit - 0x41 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        var index = 0
        while index + 1 < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// The MAC of one line (its JSON object without the `mac` field), chained to the MAC of the line
    /// before it (empty for the first): lines cannot be changed, removed, reordered or taken from
    /// another journal without the key.
    func mac(previous: String, line: some Sequence<UInt8>) -> String {
        SHA256.hexString(SHA256.hmac(key: bytes, message: Array("rbc.journal/v1 \(previous)\n".utf8) + Array(line)))
    }
}
