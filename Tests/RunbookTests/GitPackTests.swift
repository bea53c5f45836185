// The history walk reads pack files itself (GitPacks.swift) and falls back to libgit2 for anything
// else: every object of real repositories packed by git (offset deltas, reference deltas, deep
// chains) must read as git reads it, loose objects must still read, and the walk's answers must not
// depend on how the objects are stored.

import CGit2
import Foundation
@testable import RunbookDriver
@testable import RunbookGit
import Testing

@Suite struct GitPackTests {
    /// A repository with many similar versions (so git deltifies them), a rename, a merge commit and
    /// a rollback that changes partway.
    static func repositoryWithHistory() throws -> TemporaryRepository {
        let repo = try TemporaryRepository()
        for version in 1...30 {
            let day = String(format: "2026-01-%02dT12:00:00Z", version)
            let rollback = version < 10 ? "kubectl scale deploy/api --replicas=3" : "kubectl scale deploy/api --replicas=4"
            let command = version < 20 ? "kubectl scale deploy/api --replicas=6" : "kubectl scale deploy/api --replicas=8"
            let name = version < 15 ? "a.yaml" : "ops/renamed.yaml"
            if version == 15 {
                try FileManager.default.createDirectory(atPath: repo.path + "/ops", withIntermediateDirectories: true)
                try repo.git("mv", "a.yaml", "ops/renamed.yaml")
            }
            try repo.write(name, GitFixtures.runbook(command: command, rollback: rollback, description: "a \(version)"))
            try repo.write("b.yaml", GitFixtures.runbook(description: "b \(version % 7)"))
            try repo.write("notes/n\(version % 5).txt", String(repeating: "note \(version)\n", count: 40))
            try repo.commit("c\(version)", date: day)
            if version == 22 {
                // A side branch merged back: the walk follows first parents only.
                try repo.git("checkout", "-q", "-b", "side")
                try repo.write("b.yaml", GitFixtures.runbook(rollback: "kubectl scale deploy/api --replicas=2", description: "side"))
                try repo.commit("side change", date: "2026-01-22T13:00:00Z")
                try repo.git("checkout", "-q", "main")
                try repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side", date: "2026-01-22T14:00:00Z")
            }
        }
        return repo
    }

    /// Every object as `git cat-file --batch` gives it: id → (type, bytes).
    static func objectsFromGit(_ repo: TemporaryRepository) throws -> [String: (String, [UInt8])] {
        let ids = try repo.git("cat-file", "--batch-all-objects", "--batch-check=%(objectname)").split(separator: "\n").map(String.init)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "cat-file", "--batch"]
        process.currentDirectoryURL = repo.url
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data((ids.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let bytes = [UInt8](output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        var objects: [String: (String, [UInt8])] = [:]
        var position = 0
        while position < bytes.count {
            guard let newline = bytes[position...].firstIndex(of: 0x0A) else { break }
            let header = String(decoding: bytes[position..<newline], as: UTF8.self).split(separator: " ")
            guard header.count == 3, let size = Int(header[2]) else { throw FixtureError(message: "cat-file header \(header)") }
            let start = newline + 1
            objects[String(header[0])] = (String(header[1]), Array(bytes[start..<start + size]))
            position = start + size + 1
        }
        #expect(objects.count == ids.count)
        return objects
    }

    static func oid(_ hex: String) -> git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    /// Reads every object through the pack reader and the object database; returns how many the
    /// pack reader answered.
    static func readEverything(_ repo: TemporaryRepository) throws -> Int {
        let expected = try objectsFromGit(repo)
        let repository = try #require(try GitRepository.discover(containing: repo.path))
        let database = try GitObjectDatabase(repository)
        let packs = GitPackReader(objectsDirectory: repository.commonDirectory + "objects", budget: 64 << 10)
        var fromPacks = 0
        for (hex, (typeName, bytes)) in expected {
            let type: git_object_t = switch typeName {
            case "commit": GIT_OBJECT_COMMIT
            case "tree": GIT_OBJECT_TREE
            case "blob": GIT_OBJECT_BLOB
            default: GIT_OBJECT_TAG
            }
            let object = try database.read(oid(hex), as: type)
            #expect(Array(object.bytes) == bytes, "\(typeName) \(hex)")
            if let packed = packs?.read(oid(hex)) {
                fromPacks += 1
                #expect(packed.type == type && Array(packed.bytes) == bytes, "\(typeName) \(hex) from the pack")
            }
        }
        return fromPacks
    }

    /// Deltas in the repository's packs (`git verify-pack`: entries with a chain length).
    static func deltaCount(_ repo: TemporaryRepository) throws -> Int {
        let pack = try #require(try FileManager.default.contentsOfDirectory(atPath: repo.path + "/.git/objects/pack").first { $0.hasSuffix(".idx") })
        let listing = try repo.git("verify-pack", "-v", ".git/objects/pack/" + pack)
        return listing.split(separator: "\n").filter { $0.split(separator: " ", omittingEmptySubsequences: true).count >= 7 && !$0.hasPrefix("chain") }.count
    }

    @Test func packedObjectsReadAsGitReadsThem() throws {
        let repo = try Self.repositoryWithHistory()
        // Loose only: every object through libgit2 (no pack yet).
        #expect(GitPackReader(objectsDirectory: repo.path + "/.git/objects") == nil)
        #expect(try Self.readEverything(repo) == 0)
        // Offset deltas, deep chains, and a tiny base cache so bases are let go and read again.
        try repo.git("repack", "-adq", "--depth=50", "--window=50")
        #expect(try Self.deltaCount(repo) > 20, "git deltified the versions")
        let all = try Self.objectsFromGit(repo).count
        #expect(try Self.readEverything(repo) == all)
        // Reference deltas.
        try repo.git("-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq", "--depth=50", "--window=50")
        #expect(try Self.deltaCount(repo) > 20)
        #expect(try Self.readEverything(repo) == all)
        // A new commit's objects are loose beside the pack.
        try repo.write("b.yaml", GitFixtures.runbook(description: "loose"))
        try repo.commit("loose", date: "2026-02-01T12:00:00Z")
        #expect(try Self.readEverything(repo) == all)
    }

    @Test func theWalkAnswersAlikeFromLooseObjectsAndFromPacks() throws {
        let repo = try Self.repositoryWithHistory()
        let history = ["history", "--rollbacks", "ops/renamed.yaml", "b.yaml"]
        let check = ["check", "--now", "2026-03-01", "--no-shellcheck", "--no-cache", "ops/renamed.yaml", "b.yaml"]
        let loose = try TestSupport.rbc(history, in: repo.path)
        let looseCheck = try TestSupport.rbc(check, in: repo.path)
        #expect(loose.status == 0, "\(loose.stderr)")
        // The rollback changed in c10 and the step in c20, across the rename in c15. b.yaml's rollback
        // changed on the side branch and came back with the merge; c23 restored it (first parents only).
        let renamed = "(2026-01-20), rollback in "
        #expect(loose.stdout.contains(renamed) && loose.stdout.contains("(2026-01-10) — the step is newer (RB020)"), "\(loose.stdout)")
        #expect(loose.stdout.contains("(2026-01-01), rollback in ") && loose.stdout.contains("(2026-01-23)\n"), "\(loose.stdout)")
        #expect(looseCheck.stdout.contains("RB020"), "\(looseCheck.stdout)")
        let repacks: [(String, () throws -> Void)] = [
            ("offset deltas", { try repo.git("repack", "-adq", "--depth=50", "--window=50") }),
            ("reference deltas", { try repo.git("-c", "repack.useDeltaBaseOffset=false", "repack", "-adfq") }),
        ]
        for (repack, run) in repacks {
            try run()
            try repo.git("prune-packed")
            #expect(try Self.deltaCount(repo) > 20)
            #expect(try TestSupport.rbc(history, in: repo.path).stdout == loose.stdout, "\(repack)")
            #expect(try TestSupport.rbc(check, in: repo.path).stdout == looseCheck.stdout, "\(repack)")
        }
    }

    /// Damaged packs (bytes flipped anywhere after the header, or cut short) never crash or hang the
    /// reader; a damaged entry reads as nothing (libgit2 then reads or reports it).
    @Test func damagedPacksNeverCrashTheReader() throws {
        let repo = try Self.repositoryWithHistory()
        try repo.git("repack", "-adq", "--depth=50", "--window=50")
        let expected = try Self.objectsFromGit(repo)
        let directory = repo.path + "/.git/objects/pack/"
        let pack = try #require(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".pack") })
        let original = try Data(contentsOf: URL(fileURLWithPath: directory + pack))
        // A fixed sequence (a linear congruential generator), so a failure repeats.
        var state: UInt64 = 0x5DEECE66D
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        for round in 0..<40 {
            var damaged = original
            for _ in 0..<(1 + round % 4) {
                damaged[12 + next(original.count - 32)] ^= UInt8(1 + next(255))
            }
            try damaged.write(to: URL(fileURLWithPath: directory + pack), options: .atomic)
            let reader = try #require(GitPackReader(objectsDirectory: repo.path + "/.git/objects", budget: 64 << 10))
            for (hex, (_, _)) in expected { _ = reader.read(Self.oid(hex)) }
        }
        // Cut after the header: the pack opens (its header is whole) but no entry reads.
        try original.prefix(40).write(to: URL(fileURLWithPath: directory + pack), options: .atomic)
        let reader = try #require(GitPackReader(objectsDirectory: repo.path + "/.git/objects"))
        #expect(expected.keys.allSatisfy { reader.read(Self.oid($0)) == nil })
    }
}
