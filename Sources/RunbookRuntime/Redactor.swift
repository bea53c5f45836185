// Masks secrets wherever the executor writes: the terminal (streamed), the journal, plans, excerpts.
// A secret is masked in every form tools commonly write it in (as given, upper- and lower-case,
// JSON-escaped as Swift, Python and Go escape it, URL-encoded as the common encoders do, base64
// standard and URL-safe, hex, shell-quoted), and so is every value computed from it (taint). What it
// cannot recognise is in docs/executor.md#secrets.

import Foundation
import RunbookSema

// @unchecked: `forms` is read and extended only under `lock` (derived values are added mid-run).
public final class Redactor: @unchecked Sendable {
    public static let mask = "***"
    /// Values computed from a secret shorter than this are not masked: they cannot carry the secret,
    /// and masking every `ab` of the output would hide what the responder needs to see.
    public static let minimumDerivedLength = 4

    private let lock = NSLock()
    /// Every form, longest first, so a longer form is masked whole before a shorter one inside it.
    private var forms: [[UInt8]] = []
    /// The same forms by their first byte, for scanning.
    private var formSet = FormSet([])

    public init(secrets: [String] = []) {
        for secret in secrets { add(secret) }
    }

    /// A secret value, or a value computed from one: it and its derived forms are masked from now on.
    public func add(_ secret: String, derived: Bool = false) {
        guard !secret.isEmpty, !derived || secret.utf8.count >= Self.minimumDerivedLength else { return }
        let new = Self.forms(of: secret).map { Array($0.utf8) }.filter { !$0.isEmpty }
        lock.lock()
        defer { lock.unlock() }
        for form in new where !forms.contains(form) { forms.append(form) }
        forms.sort { $0.count > $1.count }
        formSet = FormSet(forms)
    }

    /// A URL that is itself a credential — a webhook's: Slack's token is its path, others put it in a
    /// segment, the query or the user info. Those are masked, and each path segment that looks like a
    /// token; the scheme and host stay readable (where a failed delivery went), and so does a plain
    /// word segment (`services`, `webhooks`), or every `kubectl get services` would print `***`.
    public func add(credentialURL url: String) {
        for part in Self.credentialParts(ofURL: url) { add(part) }
    }

    static func credentialParts(ofURL url: String) -> [String] {
        guard let components = URLComponents(string: url), components.scheme != nil, components.host?.isEmpty == false else { return [url] }
        var parts: [String] = []
        let path = components.percentEncodedPath
        if path.count >= 4 { parts += [path, components.path] }
        parts += path.split(separator: "/").map(String.init).filter { segment in
            segment.count >= 8 && segment.contains { $0.isNumber || $0.isUppercase }
        }
        if let query = components.percentEncodedQuery, query.count >= 4 { parts.append(query) }
        if let user = components.percentEncodedUser, user.count >= 4 { parts.append(user) }
        if let password = components.percentEncodedPassword, password.count >= 4 { parts.append(password) }
        return parts
    }

    /// Values of environment variables named as credentials (`*_TOKEN`, `*PASSWORD*`, `*SECRET*`,
    /// `*API_KEY*`…), 8 characters or more: a responder's shell holds them, the commands a run starts
    /// inherit them, and a note, a message or a command's output (`set -x`, `curl -v`, `env`) must
    /// never show one.
    public static func credentialsInEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let markers = ["TOKEN", "SECRET", "PASSWORD", "PASSWD", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "WEBHOOK"]
        return environment.filter { name, value in
            let upper = name.uppercased()
            return value.count >= 8 && markers.contains { upper.contains($0) }
        }.map(\.value).sorted()
    }

    public var isEmpty: Bool { snapshot().isEmpty }

    /// The length in bytes of the longest form: how much a stream may have to hold back.
    public var longestForm: Int { snapshot().first?.count ?? 0 }

    func snapshot() -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return forms
    }

    func snapshotSet() -> FormSet {
        lock.lock()
        defer { lock.unlock() }
        return formSet
    }

    /// Forms grouped by their first byte (longest first within each group, as in `forms`): a scan
    /// skips every byte no form starts with and copies the bytes between candidates in one go, so
    /// output with no secret in it — or none in scope — costs a table lookup a byte, not a loop
    /// over the forms.
    struct FormSet {
        let isEmpty: Bool
        /// `byFirst[b]`: the forms that start with byte b, longest first.
        let byFirst: [[[UInt8]]]
        let starts: [Bool]

        init(_ forms: [[UInt8]]) {
            var byFirst = [[[UInt8]]](repeating: [], count: 256)
            for form in forms where !form.isEmpty { byFirst[Int(form[0])].append(form) }
            self.byFirst = byFirst
            starts = byFirst.map { !$0.isEmpty }
            isEmpty = forms.isEmpty
        }
    }

    /// The forms a secret takes in output and files.
    static func forms(of secret: String) -> [String] {
        var result = [secret, secret.uppercased(), secret.lowercased()]
        let plainJSON = jsonStringContent(secret)
        let json = jsonStringContent(secret, escapingSlashes: true)
        result += [json, plainJSON]
        // Python's json.dumps and `jq -a` write every non-ASCII character as \uXXXX (UTF-16).
        if secret.unicodeScalars.contains(where: { !$0.isASCII }) {
            for format in ["\\u%04x", "\\u%04X"] {
                result.append(plainJSON.utf16.map { $0 < 0x80 ? String(UnicodeScalar(UInt8($0))) : String(format: format, UInt32($0)) }.joined())
            }
        }
        // Go's encoding/json (kubectl, helm, terraform, every Go tool's JSON) writes `<`, `>` and `&`
        // as \u003c, \u003e and \u0026; the JSON text of a JSON text (kubectl's
        // last-applied-configuration annotation, a JSON log line quoting a JSON body) escapes it again.
        for format in ["\\u%04x", "\\u%04X"] {
            result.append(plainJSON.unicodeScalars.map { "<>&".unicodeScalars.contains($0) ? String(format: format, $0.value) : String($0) }.joined())
        }
        result += [jsonStringContent(json), jsonStringContent(plainJSON)]
        result += percentEncodings(of: secret)
        // `echo "$TOKEN" | base64` encodes the newline too; padding is dropped so the form also
        // matches inside longer encodings.
        var base64: [String] = []
        for raw in [secret, secret + "\n"] {
            base64.append(String(Data(raw.utf8).base64EncodedString().prefix { $0 != "=" }))
        }
        let bytes = Array(secret.utf8)
        // Inside a longer encoded text (`user:TOKEN` in a Basic header) the secret starts at any of
        // three alignments and other bytes follow: for each, the characters its bytes alone decide.
        for offset in 0..<3 {
            let padded = [UInt8](repeating: 0, count: offset) + bytes
            let encoded = Array(Data(padded).base64EncodedString().utf8)
            let first = [0, 2, 3][offset]
            let last = padded.count / 3 * 4
            if last - first >= minimumAlignedBase64 { base64.append(String(decoding: encoded[first..<last], as: UTF8.self)) }
        }
        // URL-safe base64 (RFC 4648 §5: JWTs, `base64.urlsafe_b64encode`, Go's RawURLEncoding).
        result += base64 + base64.map { String($0.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }) }
        // A hex dump (`xxd -p`, `od -tx1`, `hexdump`), in either case.
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        result += [hex, hex.uppercased()]
        result += shellQuotings(of: secret)
        var seen = Set<String>()
        return result.filter { ($0.utf8.count >= min(secret.utf8.count, 4) || $0 == secret) && seen.insert($0).inserted }
    }

    /// A value inside a JSON string as Swift's (and most) JSON encoders write it, with `/` as `\/`
    /// (JSONEncoder's default, PHP's json_encode) or as it is.
    static func jsonStringContent(_ text: String, escapingSlashes: Bool = false) -> String {
        let encoder = JSONEncoder()
        if !escapingSlashes { encoder.outputFormatting = .withoutEscapingSlashes }
        let quoted = String(decoding: (try? encoder.encode(text)) ?? Data(), as: UTF8.self)
        return quoted.count >= 2 ? String(quoted.dropFirst().dropLast()) : text
    }

    /// The percent-encodings URL encoders write: they differ in which characters they leave as they
    /// are — none but RFC 3986's unreserved (curl --data-urlencode, jq @uri, Go's QueryEscape),
    /// also `/` (Python's quote), also `!'()*` (JavaScript's encodeURIComponent), also the reserved
    /// characters (encodeURI) —, in the case of the hex digits (`%2f`), and in a space (`%20` or `+`).
    static func percentEncodings(of secret: String) -> [String] {
        // ASCII letters and digits only: `CharacterSet.alphanumerics` holds `ä` too, which every
        // encoder writes as `%C3%A4`.
        let unreserved = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
        var result: [String] = []
        for kept in ["", "/", "!'()*", "!'()*;,/?:@&=+$#"] {
            guard let encoded = secret.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: unreserved + kept)) else { continue }
            let lower = lowercasingPercentEscapes(encoded)
            result += [encoded, lower]
            // A form (`application/x-www-form-urlencoded`) writes a space as `+`, where `+` itself is encoded.
            if !kept.contains("+") { result += [encoded, lower].map { $0.replacingOccurrences(of: "%20", with: "+") } }
        }
        return result
    }

    /// `%2F` as `%2f`, every other character as it is.
    static func lowercasingPercentEscapes(_ text: String) -> String {
        var output = ""
        var pending = 0
        for character in text {
            if character == "%" { pending = 2; output.append(character); continue }
            output.append(pending > 0 ? Character(character.lowercased()) : character)
            pending = max(0, pending - 1)
        }
        return output
    }

    /// How shells quote a value when they show it: bash's `set -x` trace and POSIX single quotes
    /// (`'it'\''s'`), Python's shlex.quote (`'it'"'"'s'`), and bash's `printf %q` (a backslash
    /// before each character the shell would read). Only the characters between the quotes are the
    /// form, so it matches whatever quotes surround it.
    static func shellQuotings(of secret: String) -> [String] {
        var result = [secret.replacingOccurrences(of: "'", with: "'\\''"), secret.replacingOccurrences(of: "'", with: "'\"'\"'")]
        let special = Set(" \t\n'\"\\|&;()<>!{}*[]?^$`,")
        var backslashed = ""
        for (index, character) in secret.enumerated() {
            if special.contains(character) || (index == 0 && (character == "~" || character == "#")) { backslashed.append("\\") }
            backslashed.append(character)
        }
        result.append(backslashed)
        return result
    }

    /// Shorter runs of base64 inside a longer encoding are not masked: they would hide unrelated text.
    /// Four characters (three bytes, as specific as the shortest secret masked as given) is what a
    /// secret of 5 bytes needs at every alignment (docs/expressions.md promises 5 bytes or more).
    static let minimumAlignedBase64 = 4

    // MARK: - Whole texts

    public func redact(_ text: String) -> String {
        let forms = snapshotSet()
        guard !forms.isEmpty else { return text }
        return String(decoding: Self.redact(Array(text.utf8), forms: forms, final: true).output, as: UTF8.self)
    }

    static func redact(_ bytes: [UInt8], forms: [[UInt8]], final: Bool) -> (output: [UInt8], held: [UInt8]) {
        redact(bytes, forms: FormSet(forms), final: final)
    }

    /// Masks every complete form. Unless `final`, stops at the first position where a form could
    /// still begin in bytes not yet seen, and returns the rest as `held`.
    static func redact(_ bytes: [UInt8], forms: FormSet, final: Bool) -> (output: [UInt8], held: [UInt8]) {
        guard !forms.isEmpty else { return (bytes, []) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        let mask = Array(Self.mask.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            // Bytes before `index` are decided; `copied` of them are in `output` already.
            var index = 0
            var copied = 0
            scanning: while index < count {
                // No form starts here: on to the next byte one could start with.
                if !forms.starts[Int(buffer[index])] {
                    index += 1
                    while index < count, !forms.starts[Int(buffer[index])] { index += 1 }
                    continue
                }
                for form in forms.byFirst[Int(buffer[index])] {
                    let available = count - index
                    if available >= form.count {
                        if buffer[index..<(index + form.count)].elementsEqual(form) {
                            output.append(contentsOf: buffer[copied..<index])
                            output.append(contentsOf: mask)
                            index += form.count
                            copied = index
                            continue scanning
                        }
                    } else if !final, buffer[index...].elementsEqual(form[0..<available]) {
                        output.append(contentsOf: buffer[copied..<index])
                        return (output, Array(buffer[index...]))
                    }
                }
                index += 1
            }
            output.append(contentsOf: buffer[copied..<count])
            return (output, [])
        }
    }

    /// A text that was cut (an excerpt, or output whose middle was not kept): masked whole, then at
    /// each cut a partial form, the half of a secret the cut left behind, is masked too.
    public func redact(cutText text: String, marker: String) -> String {
        let pieces = text.components(separatedBy: marker)
        guard pieces.count > 1 else { return redact(text) }
        var masked = pieces.map(redact)
        let forms = snapshot()
        for index in masked.indices {
            var bytes = Array(masked[index].utf8)
            if index < masked.count - 1 { bytes = Self.maskPartialSuffix(bytes, forms: forms) }
            if index > 0 { bytes = Self.maskPartialPrefix(bytes, forms: forms) }
            masked[index] = String(decoding: bytes, as: UTF8.self)
        }
        return masked.joined(separator: marker)
    }

    /// The end of `bytes` is the start of a form: mask it.
    static func maskPartialSuffix(_ bytes: [UInt8], forms: [[UInt8]]) -> [UInt8] {
        var cut = 0
        for form in forms {
            for length in stride(from: min(form.count - 1, bytes.count), through: 1, by: -1) where length > cut {
                if bytes[(bytes.count - length)...].elementsEqual(form[0..<length]) { cut = length; break }
            }
        }
        return cut == 0 ? bytes : Array(bytes.dropLast(cut)) + Array(mask.utf8)
    }

    /// The start of `bytes` is the end of a form: mask it.
    static func maskPartialPrefix(_ bytes: [UInt8], forms: [[UInt8]]) -> [UInt8] {
        var cut = 0
        for form in forms {
            for length in stride(from: min(form.count - 1, bytes.count), through: 1, by: -1) where length > cut {
                if bytes[0..<length].elementsEqual(form[(form.count - length)...]) { cut = length; break }
            }
        }
        return cut == 0 ? bytes : Array(mask.utf8) + Array(bytes.dropFirst(cut))
    }

    /// An excerpt of at most `limit` characters (head and tail), masked before it is cut.
    public func excerpt(_ text: String, limit: Int = 4000) -> String {
        let marker = "\n[…]\n"
        let masked = redact(text)
        guard masked.count > limit else { return masked }
        return redact(cutText: String(masked.prefix(limit / 2)) + marker + String(masked.suffix(limit / 2)), marker: marker)
    }

    // MARK: - Values and events

    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): .string(redact(text))
        case .array(let items): .array(items.map(redact))
        case .object(let fields): .object(Dictionary(uniqueKeysWithValues: fields.map { (redact($0.key), redact($0.value)) }))
        default: value
        }
    }

    /// Every text of a journal event, masked. The compiled IR is left alone: it holds the runbook's
    /// text, never parameter values, and must stay exact for `rbc rollback` and `rbc resume`; so are
    /// paths, versions, hashes, ids and action kinds, which rbc makes, not the runbook's values.
    public func redact(_ event: JournalEvent) -> JournalEvent {
        guard !isEmpty else { return event }
        func mask(_ text: inout String?) { text = text.map(redact) }
        var copy = event
        switch event.payload {
        case .runStarted(var fields):
            mask(&fields.runbook); mask(&fields.commit); mask(&fields.user); mask(&fields.host)
            fields.params = fields.params?.mapValues(redact)
            copy.payload = .runStarted(fields)
        case .stepStarted(var fields):
            mask(&fields.step)
            copy.payload = .stepStarted(fields)
        case .attemptStarted(var fields):
            mask(&fields.step); mask(&fields.command)
            copy.payload = .attemptStarted(fields)
        case .processStarted(var fields):
            mask(&fields.step)
            copy.payload = .processStarted(fields)
        case .attemptFinished(var fields):
            mask(&fields.step); mask(&fields.reason); mask(&fields.stdout); mask(&fields.stderr)
            copy.payload = .attemptFinished(fields)
        case .stepFinished(var fields):
            mask(&fields.step); mask(&fields.reason)
            fields.outputs = fields.outputs.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.key, redact($0.value)) }) }
            copy.payload = .stepFinished(fields)
        case .approval(var fields):
            mask(&fields.step); mask(&fields.by); mask(&fields.reason); mask(&fields.text)
            copy.payload = .approval(fields)
        case .configChanged(var fields):
            mask(&fields.step); mask(&fields.store); mask(&fields.key); mask(&fields.undoKey)
            fields.value = fields.value.map(redact)
            // The value before held a secret: it is not journaled, so it cannot be restored from here.
            if let previous = fields.previous, redact(previous) != previous {
                fields.previous = redact(previous)
                fields.previousMasked = true
            }
            if let source = fields.previousSource, redact(source) != source {
                fields.previousSource = redact(source)
                fields.previousMasked = true
            }
            copy.payload = .configChanged(fields)
        case .message(var fields):
            mask(&fields.step); mask(&fields.text)
            copy.payload = .message(fields)
        case .signal(var fields):
            mask(&fields.signal); mask(&fields.text)
            copy.payload = .signal(fields)
        case .rollbackStarted(var fields):
            mask(&fields.step); mask(&fields.command); mask(&fields.store); mask(&fields.key); mask(&fields.text)
            fields.value = fields.value.map(redact)
            copy.payload = .rollbackStarted(fields)
        case .rollbackFinished(var fields):
            mask(&fields.step); mask(&fields.reason)
            copy.payload = .rollbackFinished(fields)
        case .runResumed(var fields):
            mask(&fields.user); mask(&fields.text)
            copy.payload = .runResumed(fields)
        case .runFinished(var fields):
            mask(&fields.reason)
            copy.payload = .runFinished(fields)
        }
        return copy
    }
}

/// Masks secrets in a live stream of output. A chunk may end inside a secret (a command that prints
/// a byte at a time, or a read that splits it): the bytes that could still become a secret are held
/// back until the next chunk decides, so no split lets part of a secret through.
// @unchecked: `held` is touched only under `lock` (stdout and stderr readers feed it from their threads).
public final class StreamRedactor: @unchecked Sendable {
    private let redactor: Redactor
    private var held: [UInt8] = []
    private let lock = NSLock()

    public init(_ redactor: Redactor) { self.redactor = redactor }

    /// What can be shown now of everything received so far.
    public func feed(_ chunk: [UInt8]) -> String {
        lock.lock()
        defer { lock.unlock() }
        let (output, rest) = Redactor.redact(held.isEmpty ? chunk : held + chunk, forms: redactor.snapshotSet(), final: false)
        held = rest
        return Self.decodeComplete(output, holding: &held)
    }

    /// What is left at the end of the stream.
    public func flush() -> String {
        lock.lock()
        defer { lock.unlock() }
        let (output, _) = Redactor.redact(held, forms: redactor.snapshotSet(), final: true)
        held = []
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes the bytes up to the last complete UTF-8 character; an incomplete one waits in front of `held`.
    static func decodeComplete(_ bytes: [UInt8], holding held: inout [UInt8]) -> String {
        var end = bytes.count
        var back = 0
        while end > 0, back < 4, bytes[end - 1] & 0xC0 == 0x80 { end -= 1; back += 1 }
        if end > 0 {
            let lead = bytes[end - 1]
            let width = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if width > 1, width > back + 1 {
                held = Array(bytes[(end - 1)...]) + held
                return String(decoding: bytes[0..<(end - 1)], as: UTF8.self)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The executor's own lines, masked on the way out (commands' output is masked by its stream).
struct RedactingOutput: ExecutionOutput {
    let base: ExecutionOutput
    let redactor: Redactor

    init(_ base: ExecutionOutput, redactor: Redactor) {
        self.base = base
        self.redactor = redactor
    }

    func note(_ text: String) { base.note(redactor.redact(text)) }
    func stream(_ chunk: String, isError: Bool) { base.stream(chunk, isError: isError) }
}
