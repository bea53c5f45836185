// Path arithmetic on the text of a path, without Foundation: swift-corelibs-foundation's
// `NSString.deletingLastPathComponent` traps on a relative path whose only component is one
// character (`a`, `.`, `d/`), which made `rbc check a` and `rbc export ansible x.yaml -o d` crash.

public enum PathText {
    /// The directory part of a path, as `NSString.deletingLastPathComponent` gives it: trailing
    /// slashes ignored, `""` for a bare name, `/` for a name at the root (`/a`, `//a`, `/`).
    public static func parent(of path: String) -> String {
        let slash = UInt8(ascii: "/")
        let bytes = Array(path.utf8)
        var end = bytes.count
        while end > 0, bytes[end - 1] == slash { end -= 1 }
        // Only slashes: the root is its own parent.
        if end == 0 { return bytes.isEmpty ? "" : "/" }
        guard let last = bytes[..<end].lastIndex(of: slash) else { return "" }
        var directoryEnd = last
        while directoryEnd > 0, bytes[directoryEnd - 1] == slash { directoryEnd -= 1 }
        if directoryEnd == 0 { return "/" }
        return String(decoding: bytes[..<directoryEnd], as: UTF8.self)
    }
}
