// `rbc cache`: where `rbc check` keeps its answers, and how to remove them.

import ArgumentParser
import Foundation
import RunbookDriver
import RunbookSource

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Show or clean the check cache.",
        discussion: """
        `rbc check` keeps each runbook's answer, and ShellCheck's findings per command, under \
        `.rbc/cache/` beside `.rbc.yaml` (else at the git work tree's root, else in \
        `$XDG_CACHE_HOME/rbc`). Entries are keyed by content, so they never need cleaning to stay \
        correct; `clean` only reclaims the space.

        Examples:
          rbc cache dir
          rbc cache clean
        """,
        subcommands: [CacheDirCommand.self, CacheCleanCommand.self]
    )
}

struct CacheDirCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dir", abstract: "Print the cache directory used from here.")

    func run() throws {
        Console.out(CheckCache.root(configuration: Configuration.discover().0) + "\n")
    }
}

struct CacheCleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove the cache directory used from here.")

    func run() throws {
        let configuration = Configuration.discover().0
        let root = CheckCache.root(configuration: configuration)
        if let untrusted = CheckCache.untrustedDirectory(configuration: configuration) {
            Console.err("rbc: error: not removing \(root): \(untrusted) is a link or a directory every user may write (rbc check does not use this cache either)\n")
            throw ExitCode(2)
        }
        do {
            let removed = try ContentCache.clean(root: root)
            Console.err(removed ? "removed \(root)\n" : "no cache at \(root)\n")
        } catch {
            Console.err("rbc: error: cannot remove \(root): \(error.localizedDescription)\n")
            throw ExitCode(2)
        }
    }
}
