// swift-tools-version:6.0
// rbc: runbooks-as-code compiler. Targets follow the pipeline, one direction of dependency:
// source & diagnostics → syntax → semantics → (lint, git, runtime) → driver → rbc (CLI).
import PackageDescription

let package = Package(
    name: "rbc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rbc", targets: ["rbc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // RunbookYAML imports `CYaml`, the libyaml target inside Yams, for libyaml's event API with
        // exact marks. Yams publishes no product for it, so it cannot be named below: it compiles
        // because SwiftPM lets a target see the C modules of the targets it depends on through a
        // product, which is not Yams' public API. Hence 6.2.x only: raise the version deliberately,
        // after `swift build` and the YAML tests pass with it.
        .package(url: "https://github.com/jpsim/Yams", .upToNextMinor(from: "6.2.2")),
    ],
    targets: [
        // C libraries from Debian: libgit2-dev and libcmark-gfm-dev. libgit2 and libcurl are not linked
        // (no pkgConfig, whose flags would name them): their headers sit on the default include path, and
        // the libraries are opened on first use (the C targets CGit2Loader and CCurl), so a run that needs neither
        // loads neither (they and the libraries they need were a tenth of a warm check's CPU).
        .systemLibrary(name: "CGit2", providers: [.apt(["libgit2-dev"])]),
        .target(name: "CGit2Loader"),
        .systemLibrary(name: "CCmarkGFM", pkgConfig: "libcmark-gfm", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),
        // libcurl (libcurl4-openssl-dev's headers) for HTTP steps and webhooks; prctl(2) for process control.
        .target(name: "CCurl"),
        .systemLibrary(name: "CProcessControl"),
        // zlib (zlib1g-dev, which libgit2-dev depends on): the history walk inflates pack objects itself.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(name: "RunbookSource"),
        // The positioned YAML reader: runbooks, params files and config stores all read YAML through it.
        .target(name: "RunbookYAML", dependencies: [
            "RunbookSource",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "RunbookSyntax", dependencies: [
            "RunbookSource",
            "RunbookYAML",
            "CCmarkGFM",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "RunbookSema", dependencies: ["RunbookSource", "RunbookSyntax"]),
        .target(name: "RunbookLint", dependencies: ["RunbookSource", "RunbookSyntax", "RunbookSema"]),
        .target(name: "RunbookGit", dependencies: ["CGit2", "CGit2Loader", "CZlib"]),
        .target(name: "RunbookRuntime", dependencies: [
            "RunbookSource", "RunbookYAML", "RunbookSema", "CCurl", "CProcessControl",
            .product(name: "Yams", package: "Yams"),
        ]),
        // Lowering to Ansible: reads only the IR (its Python companions are embedded, generated from Resources/).
        .target(name: "RunbookAnsible", dependencies: ["RunbookSource", "RunbookSema"], exclude: ["Resources"]),
        // Incidents as code: records, lifecycle, messages, reviews and metrics over run journals.
        .target(name: "RunbookIncident", dependencies: ["RunbookSource", "RunbookSema", "RunbookRuntime"]),
        .target(name: "RunbookDriver", dependencies: ["RunbookSource", "RunbookSyntax", "RunbookSema", "RunbookLint", "RunbookGit", "RunbookRuntime", "RunbookIncident", "RunbookAnsible"]),
        // `rbc report`: the repository's health as data and as a static site.
        .target(name: "RunbookReport", dependencies: ["RunbookSource", "RunbookSyntax", "RunbookSema", "RunbookLint", "RunbookGit", "RunbookRuntime", "RunbookIncident", "RunbookDriver"]),
        // `rbc lsp`: JSON-RPC framing and LSP messages of our own over the driver's checks.
        .target(name: "RunbookLanguageServer", dependencies: ["RunbookSource", "RunbookSyntax", "RunbookSema", "RunbookLint", "RunbookDriver"]),
        .executableTarget(name: "rbc", dependencies: [
            "RunbookDriver", "RunbookIncident", "RunbookReport", "RunbookLanguageServer", "RunbookSema", "RunbookSource",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "RunbookTests", dependencies: [
            "RunbookSource", "RunbookSyntax", "RunbookSema", "RunbookLint", "RunbookGit", "RunbookRuntime", "RunbookIncident", "RunbookAnsible", "RunbookDriver", "RunbookReport",
            "RunbookLanguageServer", "rbc",
            .product(name: "Yams", package: "Yams"),
        ], exclude: ["Golden", "Fixtures", "lsp"]),  // read from disk by path, not bundled; lsp/ is the pytest-lsp suite
    ]
)

// libFuzzer targets, declared only for `make fuzz` (RBC_FUZZ=1 with -sanitize=fuzzer,address):
// without libFuzzer they cannot link, so an ordinary build never sees them.
if Context.environment["RBC_FUZZ"] == "1" {
    package.targets += [
        .target(name: "FuzzSupport", dependencies: ["RunbookDriver", "RunbookLint", "RunbookRuntime", "RunbookSema", "RunbookSource", "RunbookSyntax"],
                path: "Sources/Fuzzing/FuzzSupport"),
        .executableTarget(name: "FuzzYAML", dependencies: ["FuzzSupport"], path: "Sources/Fuzzing/FuzzYAML"),
        .executableTarget(name: "FuzzMarkdown", dependencies: ["FuzzSupport"], path: "Sources/Fuzzing/FuzzMarkdown"),
        .executableTarget(name: "FuzzExpressions", dependencies: ["FuzzSupport"], path: "Sources/Fuzzing/FuzzExpressions"),
    ]
}
