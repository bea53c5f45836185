// The `rbc` command: a thin layer over RunbookDriver. Subcommands parse flags, call the driver,
// print, and map results to exit codes: 0 clean, 1 findings, 2 usage or internal failure.

import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import RunbookDriver
import RunbookSource

struct RBC: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rbc",
        abstract: "Compile, check and run incident runbooks kept in git.",
        discussion: """
        Exit codes: 0 no errors, 1 errors found, 2 usage or internal failure.

        Examples:
          rbc check                     check every runbook under the current directory
          rbc check examples/ --format json
          rbc compile examples/api-gateway-rate-limit.yaml -o api-gateway-rate-limit.ir.json
          rbc plan examples/node-disk-full.yaml --param node=node-7
          rbc run examples/node-disk-full.yaml --param node=node-7
          rbc runs; rbc timeline last

        Shell completion: rbc --generate-completion-script bash|zsh|fish (the .deb installs them).
        """,
        version: version,
        subcommands: [CheckCommand.self, CompileCommand.self, InitCommand.self, RulesCommand.self, ExplainCommand.self,
                      PlanCommand.self, RunCommand.self, RunsCommand.self, ShowCommand.self, RollbackCommand.self,
                      ResumeCommand.self, TimelineCommand.self, IncidentCommand.self, StatsCommand.self, ReportCommand.self, LSPCommand.self,
                      ReviewCommand.self, ExportCommand.self, CacheCommand.self, HistoryCommand.self]
    )
}

@main
enum Entry {
    static func main() {
        // A closed stdout must not kill rbc mid-run: writes then fail with EPIPE, which Console handles.
        signal(SIGPIPE, SIG_IGN)
        // Before anything is parsed: `--param` values, params files and webhook URLs live in rbc's
        // memory, which no core file may keep (docs/executor.md, Secrets).
        ProcessArguments.keepMemoryPrivate()
        // Past a file-size limit (`ulimit -f`, RLIMIT_FSIZE) a write must fail (EFBIG), as on a full
        // disk, not kill rbc with a core dump: the journal's failure then stops the run and rolls it
        // back (exit 4). Step commands start with every signal at its default again.
        signal(SIGXFSZ, SIG_IGN)
        do {
            var command = try RBC.parseAsRoot()
            // A secret given with --param must not stay on show in `ps` while the run lasts.
            ProcessArguments.hideParameterValues()
            try command.run()
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            // Help and --version are "errors" that exit 0; every real usage error exits 2.
            if RBC.exitCode(for: error) == .success { RBC.exit(withError: error) }
            Console.err(RBC.fullMessage(for: error) + "\n")
            exit(2)
        }
    }
}

enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never
}

enum SeverityChoice: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info

    var severity: Severity {
        switch self {
        case .error: .error
        case .warning: .warning
        case .info: .info
        }
    }
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: OutputFormat = .text

    @Option(name: .long, help: "Colour: auto (only on a terminal, never with NO_COLOR), always, never.")
    var color: ColorChoice = .auto

    /// Colour for a stream, honouring NO_COLOR (https://no-color.org) and dumb terminals.
    func useColor(fileDescriptor: Int32) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto:
            let environment = ProcessInfo.processInfo.environment
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            if environment["TERM"] == "dumb" { return false }
            return isatty(fileDescriptor) == 1
        }
    }
}

extension OutputFormat: ExpressibleByArgument {}

/// rbc's output. Written with write(2), not FileHandle: a reader that went away (`rbc … | head`)
/// must not kill rbc (SIGPIPE is ignored, see `Entry`) nor crash it (EPIPE is handled here).
enum Console {
    private static let state = ConsoleState()

    static func out(_ text: String) { write(text, to: STDOUT_FILENO) }

    static func out(_ data: Data) { data.withUnsafeBytes { write($0, to: STDOUT_FILENO) } }

    static func out(_ bytes: UnsafeRawBufferPointer) { write(bytes, to: STDOUT_FILENO) }

    static func err(_ text: String) { write(text, to: STDERR_FILENO) }

    /// Called once, the first time a stream's reader is gone (a run stops as on SIGPIPE).
    static func onClosedOutput(_ handler: (@Sendable () -> Void)?) { state.setHandler(handler) }

    /// The string's own UTF-8 storage, not a copy of it (a check's output can be megabytes).
    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: descriptor) }
    }

    private static func write(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) {
        guard !state.isClosed(descriptor) else { return }
        var offset = 0
        while offset < buffer.count {
            let written = Glibc.write(descriptor, buffer.baseAddress?.advanced(by: offset), buffer.count - offset)
            if written >= 0 {
                offset += written
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN {
                var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&ready, 1, 100)
            } else {
                // EPIPE (the reader is gone), EIO (the terminal hung up), ENOSPC…: nothing more
                // can be shown there; the journal still records everything.
                state.close(descriptor)
                return
            }
        }
    }
}

/// Which of rbc's output streams are gone, and who to tell.
// @unchecked: every field is read and written only under `lock` (any thread may write to the console).
private final class ConsoleState: @unchecked Sendable {
    private let lock = NSLock()
    private var closed: Set<Int32> = []
    private var handler: (@Sendable () -> Void)?
    private var told = false

    func isClosed(_ descriptor: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed.contains(descriptor)
    }

    func setHandler(_ handler: (@Sendable () -> Void)?) {
        lock.lock()
        self.handler = handler
        lock.unlock()
    }

    func close(_ descriptor: Int32) {
        lock.lock()
        closed.insert(descriptor)
        let call = told ? nil : handler
        if call != nil { told = true }
        lock.unlock()
        call?()
    }
}

/// Why a file could not be written, in words: Foundation's own text is often only
/// "The operation could not be completed. (NSCocoaErrorDomain error 512.)".
enum WriteFailure {
    /// `cannot write PATH: REASON`; the path is the one the error names when it names one.
    /// `intoDirectory`: `path` is a directory written into (the HTML report), not a file.
    static func message(_ error: Error, writing path: String, intoDirectory: Bool = false) -> String {
        let nsError = error as NSError
        var isDirectory: ObjCBool = false
        if !intoDirectory, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "cannot write \(path): it is a directory"
        }
        let named = (nsError.userInfo[NSFilePathErrorKey] as? String) ?? path
        var underlying: NSError? = nsError
        while let current = underlying {
            if current.domain == NSPOSIXErrorDomain { return "cannot write \(named): \(String(cString: strerror(Int32(current.code))))" }
            underlying = current.userInfo[NSUnderlyingErrorKey] as? NSError
        }
        return "cannot write \(named): \(nsError.localizedDescription)"
    }
}
