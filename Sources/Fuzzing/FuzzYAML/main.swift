// libFuzzer target: the YAML front end (libyaml events → runbook parser → type checker → linter).
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    Fuzzing.checkRunbook(path: "fuzz.yaml", bytes: Fuzzing.bytes(data, size))
    return 0
}

Fuzzing.run(fuzzYAML)
