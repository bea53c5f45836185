// Absolute, standardized paths without Foundation's URL machinery for the common case: `rbc check`
// asks for one per file met in a walk (excludes, documentation globs), and building a URL for each
// of 10,000 files was a tenth of a second before any file was read.

import Foundation

enum StandardPath {
    /// `URL(fileURLWithPath: path).standardizedFileURL.path`: relative paths are taken from the
    /// working directory, `.` and `..` segments and doubled slashes removed. A path already in that
    /// form (absolute, plain ASCII, no such segment) is returned as it is; anything else asks Foundation.
    static func absolute(_ path: String) -> String {
        if path.utf8.first == UInt8(ascii: "/") {
            return isStandard(path) ? path : foundation(path)
        }
        let cwd = FileManager.default.currentDirectoryPath
        let joined = cwd == "/" ? "/" + path : cwd + "/" + path
        return isStandard(joined) && isStandard(cwd) ? joined : foundation(path)
    }

    static func foundation(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// Absolute, printable ASCII without `%` (which URLs decode), no empty, `.` or `..` segment and no
    /// trailing slash: what Foundation's standardization gives back unchanged. Not under `/private`,
    /// which it strips from some paths (`/private/tmp/x` is `/tmp/x`, as on macOS).
    static func isStandard(_ path: String) -> Bool {
        let bytes = path.utf8
        guard bytes.first == UInt8(ascii: "/"), !path.hasPrefix("/private") else { return false }
        if bytes.count == 1 { return true }
        var segmentLength = 0
        var segmentDots = 0
        for byte in bytes.dropFirst() {
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "%") else { return false }
            if byte == UInt8(ascii: "/") {
                if segmentLength == 0 || segmentDots == segmentLength && segmentLength <= 2 { return false }
                segmentLength = 0
                segmentDots = 0
            } else {
                segmentLength += 1
                if byte == UInt8(ascii: ".") { segmentDots += 1 }
            }
        }
        return segmentLength > 0 && !(segmentDots == segmentLength && segmentLength <= 2)
    }
}
