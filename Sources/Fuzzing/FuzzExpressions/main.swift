// libFuzzer target: the `${{ }}` expression lexer, parser, template scanner and evaluator.
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExpressions(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Fuzzing.checkExpression(String(decoding: Fuzzing.bytes(data, size), as: UTF8.self))
    return 0
}

Fuzzing.run(fuzzExpressions)
