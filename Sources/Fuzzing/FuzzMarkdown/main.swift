// libFuzzer target: the Markdown front end (cmark-gfm → dialect parser → type checker → linter).
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMarkdown(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Fuzzing.checkRunbook(path: "fuzz.md", bytes: Fuzzing.bytes(data, size))
    return 0
}

Fuzzing.run(fuzzMarkdown)
