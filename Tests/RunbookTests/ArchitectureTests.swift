// The pipeline's one direction of dependency, checked against the code: docs/architecture.md draws
// the stages top to bottom, and no source file may import a stage drawn below its own.

import Foundation
import RunbookLint
import Testing

@Suite struct ArchitectureTests {
    /// Stage names in the order docs/architecture.md draws them (lines of its diagram that start
    /// with a target name).
    static func documentedStages() throws -> [String] {
        let doc = try String(contentsOfFile: TestSupport.path("docs/architecture.md"), encoding: .utf8)
        let diagram = try #require(doc.components(separatedBy: "```").dropFirst().first, "architecture.md has no diagram")
        return diagram.split(separator: "\n").compactMap { line in
            guard let first = line.split(separator: " ").first, !line.hasPrefix(" ") else { return nil }
            return String(first)
        }
    }

    @Test func everyTargetIsInTheDiagram() throws {
        let stages = try Self.documentedStages()
        let targets = try FileManager.default.contentsOfDirectory(atPath: TestSupport.path("Sources"))
            .filter { $0 != "Fuzzing" && !$0.hasPrefix("C") }.sorted()  // C system libraries sit outside the pipeline
        #expect(Set(stages) == Set(targets), "diagram \(stages) vs Sources/ \(targets)")
    }

    @Test func noStageImportsALaterOne() throws {
        let stages = try Self.documentedStages()
        let rank = Dictionary(uniqueKeysWithValues: stages.enumerated().map { ($1, $0) })
        var checkedImports = 0
        for stage in stages {
            let directory = TestSupport.path("Sources/\(stage)")
            let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
            #expect(!files.isEmpty, "no sources for \(stage)")
            for file in files {
                let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let importIndex = words.firstIndex(of: "import"), importIndex + 1 < words.count,
                          words[..<importIndex].allSatisfy({ $0.hasPrefix("@") || ["internal", "public", "private", "package", "fileprivate"].contains($0) }),
                          let imported = rank[words[importIndex + 1]] else { continue }
                    checkedImports += 1
                    #expect(imported < (rank[stage] ?? 0), "\(stage)/\(file) imports \(words[importIndex + 1]), a later stage")
                }
            }
        }
        #expect(checkedImports > 30)
    }

    /// One evaluation path: the executor evaluates the trees and template parts Sema kept, so it
    /// never sees syntax and cannot parse an expression differently from the type checker.
    @Test func theRuntimeNeverImportsSyntax() throws {
        let directory = TestSupport.path("Sources/RunbookRuntime")
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 5)
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            #expect(!text.contains("import RunbookSyntax"), "RunbookRuntime/\(file) imports RunbookSyntax")
            #expect(!text.contains("ExpressionParser") && !text.contains("TemplateScanner"), "RunbookRuntime/\(file) parses expressions")
        }
        let manifest = try String(contentsOfFile: TestSupport.path("Package.swift"), encoding: .utf8)
        let runtime = try #require(manifest.range(of: #"\.target\(name: "RunbookRuntime"[^)]*\)"#, options: .regularExpression))
        #expect(!manifest[runtime].contains("\"RunbookSyntax\""), "RunbookRuntime depends on RunbookSyntax in Package.swift")
    }

    /// Sema only type-checks: the type checker and the expression pass read the typed tree both front
    /// ends build (`RunbookSyntaxTree`), never YAML nodes as structure, and the Markdown front end
    /// says where a value came from instead of dressing it in a YAML style to steer typing.
    @Test func semaReadsOnlyTheTypedTree() throws {
        for file in ["TypeChecker.swift", "ExpressionPass.swift"] {
            let text = try String(contentsOfFile: TestSupport.path("Sources/RunbookSema/\(file)"), encoding: .utf8)
            for raw in ["RunbookParser.", "mappingPairs", "sequenceItems", "scalarStyle", "FieldSyntax", "MappingSyntax", "StepSyntax", "RollbackSyntax"] {
                #expect(text.range(of: "\\b" + NSRegularExpression.escapedPattern(for: raw), options: .regularExpression) == nil,
                        "RunbookSema/\(file) reads raw syntax (`\(raw)`)")
            }
            #expect(text.contains("SyntaxValue") || text.contains("SyntaxMapping"), "RunbookSema/\(file) no longer reads the typed tree?")
        }
        let markdown = try String(contentsOfFile: TestSupport.path("Sources/RunbookSyntax/Markdown/MarkdownRunbookParser.swift"), encoding: .utf8)
        #expect(markdown.firstMatch(of: /scalar\([^\n]*, \.(doubleQuoted|singleQuoted|literal|folded)\)/) == nil,
                "the Markdown front end picks a YAML style for a value")
    }

    /// A thin CLI: `Sources/rbc` parses arguments and prints; wiring the executor (journal, run
    /// state, parameters, signals) is RunDriver's, so the CLI cannot even import the runtime.
    @Test func theCLIHoldsNoExecutorLogic() throws {
        let directory = TestSupport.path("Sources/rbc")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 3)
        let runtimeTypes = ["Executor", "Journal", "RunState", "ParamBinder", "ExecutionSettings", "ConfigStore", "RunLock", "Timeline", "Prompter"]
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            #expect(!text.contains("import RunbookRuntime"), "rbc/\(file) imports RunbookRuntime")
            for type in runtimeTypes {
                #expect(text.range(of: "\\b\(type)\\b", options: .regularExpression) == nil, "rbc/\(file) uses \(type): that wiring belongs in RunDriver")
            }
        }
        let manifest = try String(contentsOfFile: TestSupport.path("Package.swift"), encoding: .utf8)
        let cli = try #require(manifest.range(of: #"\.executableTarget\(name: "rbc"[^)]*\)"#, options: .regularExpression))
        #expect(!manifest[cli].contains("\"RunbookRuntime\""), "rbc depends on RunbookRuntime in Package.swift")
    }

    /// swift-corelibs-foundation's `NSString.deletingLastPathComponent` traps on a one-character
    /// relative path (`rbc check a` crashed): paths are cut with `PathText.parent(of:)` instead.
    @Test func noPathIsCutWithFoundationsTrappingCall() throws {
        let directory = TestSupport.path("Sources")
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for (index, line) in text.components(separatedBy: "\n").enumerated()
            where line.contains(".deletingLastPathComponent") && !line.contains(".deletingLastPathComponent()") && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                Issue.record("\(file):\(index + 1) cuts a path with NSString.deletingLastPathComponent: \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
    }

    /// Swift 6 strict concurrency: a type that opts out of the compiler's check says, in a comment
    /// starting `@unchecked:` on its line or in the comment right above it, what makes it safe (a lock, immutability).
    @Test func everyUncheckedSendableIsJustified() throws {
        let directory = TestSupport.path("Sources")
        let files = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
        var found = 0
        for file in files {
            let lines = try String(contentsOfFile: directory + "/" + file, encoding: .utf8).components(separatedBy: "\n")
            for (index, line) in lines.enumerated() where line.contains(": @unchecked Sendable") || line.contains(", @unchecked Sendable") {
                found += 1
                // The comment block right above the declaration, or the declaration's own line.
                var above = index - 1
                var comment = [line]
                while above >= 0, lines[above].trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                    comment.append(lines[above])
                    above -= 1
                }
                let justified = comment.contains { $0.contains("// @unchecked:") }
                #expect(justified, "\(file):\(index + 1) is @unchecked Sendable without a `// @unchecked: why` comment")
            }
        }
        #expect(found > 5)
    }

    /// Following a rule id leads to one file: every registered rule is declared in exactly one file
    /// of `Sources/RunbookLint/Rules`, named after the rule's type, and a file declares one rule.
    @Test func everyRuleIdLeadsToOneFile() throws {
        let directory = TestSupport.path("Sources/RunbookLint/Rules")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".swift") }
        var declaredIn: [String: [String]] = [:]
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            let ids = text.matches(of: /id: "(RB[0-9]{3})"/).map { String($0.output.1) }
            for id in ids { declaredIn[id, default: []].append(file) }
            #expect(ids.count <= 1, "\(file) declares \(ids): one rule per file")
        }
        for rule in RuleRegistry.rules {
            let id = type(of: rule).description.id
            #expect(declaredIn[id] == ["\(type(of: rule)).swift"], "\(id) is declared in \(declaredIn[id] ?? [])")
        }
        // Nowhere else in Sources is a rule's id written as a value (`"RB016"`): code that needs it
        // reads it from the rule (`ShellCheckRule.description.id`), so the id has one definition.
        let sources = TestSupport.path("Sources")
        let all = (FileManager.default.enumerator(atPath: sources)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".swift") }
        #expect(all.count > files.count)
        var writtenIn: [String: Set<String>] = [:]
        for file in all {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for match in text.matches(of: /"(RB[0-9]{3})"/) { writtenIn[String(match.output.1), default: []].insert(file) }
        }
        for rule in RuleRegistry.rules {
            let id = type(of: rule).description.id
            #expect(writtenIn[id] == ["RunbookLint/Rules/\(type(of: rule)).swift"], "\(id) is written as a value in \(writtenIn[id]?.sorted() ?? [])")
        }
    }

    /// A rule is one file that holds its logic: no rule's `check` is an empty stub whose work is
    /// done elsewhere, and every registered rule is of exactly one kind (per runbook, suppressions,
    /// ShellCheck, history, alert coverage), so the code gathering its context runs it.
    @Test func everyRuleHoldsItsLogic() throws {
        let directory = TestSupport.path("Sources/RunbookLint/Rules")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".swift") }
        var checked = 0
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            let checks = text.matches(of: /func check\(/).count
            let stubs = text.matches(of: /func check\([^)]*\)[^{]*\{\s*\[\]\s*\}/).count
            checked += checks
            #expect(stubs == 0, "\(file) has a `check` that returns [] whatever it is given: the rule's logic belongs in its file")
        }
        #expect(checked >= RuleRegistry.rules.count)
        for rule in RuleRegistry.rules {
            let kinds = [rule is any LintRule, rule is any SuppressionRule, rule is any ShellCheckFindingRule, rule is any HistoryRule,
                         rule is any AlertCoverageRule].filter { $0 }.count
            #expect(kinds == 1, "\(type(of: rule).description.id) is of \(kinds) rule kinds")
        }
    }
}
