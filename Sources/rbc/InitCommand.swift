// `rbc init`: inspect a repository and write a commented `.rbc.yaml` for it.

import ArgumentParser
import Foundation
import RunbookDriver

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Inspect a repository and write a commented .rbc.yaml for it.",
        discussion: """
        Looks at PATH (default: the current directory): where the runbooks are and which `##` sections \
        they share, which YAML files hold Prometheus alert rules, which annotations link runbooks, which \
        published sites those links point at and the directory each is built from, and the severity \
        labels the rules use. Writes PATH/.rbc.yaml saying what each setting was learned from. An \
        existing file is never replaced without --force. See docs/adopting.md.

        Examples:
          rbc init
          rbc init ../runbooks --stdout
          rbc init --force
        """
    )

    @Argument(help: "The repository to inspect (default: the current directory).")
    var path: String = "."

    @Flag(help: "Print the configuration instead of writing PATH/.rbc.yaml.")
    var stdout = false

    @Flag(help: "Replace an existing .rbc.yaml.")
    var force = false

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            Console.err("rbc: error: \(path) is not a directory\n")
            throw ExitCode(2)
        }
        let target = path == "." ? Configuration.fileName : (path as NSString).appendingPathComponent(Configuration.fileName)
        if !stdout, !force, FileManager.default.fileExists(atPath: target) {
            Console.err("rbc: error: \(target) exists; rbc init does not replace it (use --force, or --stdout to compare)\n")
            throw ExitCode(2)
        }
        let text = InitConfiguration.render(RepositoryInspection.inspect(path))
        if stdout {
            Console.out(text)
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: target), options: .atomic)
        } catch {
            Console.err("rbc: error: \(WriteFailure.message(error, writing: target))\n")
            throw ExitCode(2)
        }
        Console.err("wrote \(target)\n")
    }
}
