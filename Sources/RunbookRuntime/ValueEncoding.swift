// Values are encoded for the place they go: a parameter in a URL is percent-encoded for its
// component (it can never add a query parameter or a fragment), a parameter in a config key is one
// key segment (it can never nest, collapse or escape the key the author wrote).

import Foundation

public enum ValueEncoding {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where in a URL a substituted value lands, judged by the literal text before it.
    public enum URLPart: Equatable, Sendable {
        /// At the very start: the value is the base URL itself, checked but not encoded.
        case base
        case authority, path, query, fragment
    }

    public static func urlPart(after prefix: String) -> URLPart {
        if prefix.isEmpty { return .base }
        if prefix.contains("#") { return .fragment }
        if prefix.contains("?") { return .query }
        guard let scheme = prefix.range(of: "://") else { return .path }
        return prefix[scheme.upperBound...].contains("/") ? .path : .authority
    }

    /// Unreserved characters (RFC 3986) stay; everything else is percent-encoded, `/`, `&`, `=`, `#`, `?` included.
    static let unreserved: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        set.insert(charactersIn: "-._~")
        return set
    }()

    public static func encode(_ value: String, in part: URLPart) throws -> String {
        switch part {
        case .base:
            guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", components.host?.isEmpty == false else {
                throw Failure(description: "`\(value)` is not an http(s) URL")
            }
            return value
        case .authority:
            // A host (and port): nothing that would end the authority or add credentials.
            guard !value.isEmpty, value.unicodeScalars.allSatisfy({ unreserved.contains($0) || $0 == ":" || $0 == "[" || $0 == "]" }) else {
                throw Failure(description: "`\(value)` is not a host name")
            }
            return value
        case .path, .query, .fragment:
            return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
        }
    }

    /// A value that forms part of a dotted config key: exactly one non-empty segment.
    public static func checkKeySegment(_ value: String) throws {
        guard !value.isEmpty, !value.contains("."), !value.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw Failure(description: "`\(value)` is not a single config key segment (no dots, no spaces, not empty)")
        }
    }

    /// A whole dotted key: no empty segment (`a..b`, `.a`, `a.` would collapse or nest elsewhere).
    public static func checkKey(_ key: String) throws {
        guard !key.isEmpty, !key.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw Failure(description: "`\(key)` is not a valid config key (an empty segment)")
        }
    }
}
