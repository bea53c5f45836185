// rbc's own command line is readable by every local user (`ps`, /proc/PID/cmdline): a `--param`
// value given there (a token, a password) would be on show for as long as a run lasts; and rbc's
// memory, which holds such values, must not end up in a core file.

import RunbookRuntime

#if canImport(Glibc)
import Glibc
#endif

public enum ProcessArguments {
    /// No core file of rbc and no reading of its memory by the user's other processes: it holds
    /// secrets from its first instruction (its own arguments) to its end.
    public static func keepMemoryPrivate() {
        ProcessRunner.makeUndumpable()
    }

    /// Overwrites, in the process's own argument memory, the value of every `--param name=value`
    /// with `*` (the name stays): what the kernel shows of the command line from then on. Call it
    /// once the arguments are parsed; they were copied, so nothing rbc reads changes.
    public static func hideParameterValues() {
        let argv = CommandLine.unsafeArgv
        var index = 1
        while index < Int(CommandLine.argc) {
            guard let argument = argv[index] else { index += 1; continue }
            let text = String(cString: argument)
            if text == "--param", index + 1 < Int(CommandLine.argc), let value = argv[index + 1] {
                mask(value, afterSkipping: 0)
                index += 2
                continue
            }
            if text.hasPrefix("--param=") { mask(argument, afterSkipping: "--param=".utf8.count) }
            index += 1
        }
    }

    /// Replaces the bytes after the first `=` that follows `skip` bytes, up to the terminating NUL.
    static func mask(_ argument: UnsafeMutablePointer<CChar>, afterSkipping skip: Int) {
        let equals = CChar(bitPattern: UInt8(ascii: "="))
        var position = skip
        while argument[position] != 0, argument[position] != equals { position += 1 }
        guard argument[position] != 0 else { return }
        position += 1
        while argument[position] != 0 {
            argument[position] = CChar(bitPattern: UInt8(ascii: "*"))
            position += 1
        }
    }
}
