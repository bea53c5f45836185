// Which cache directories rbc may read answers from. A cache inside a repository is only files: a
// pull request can commit `.rbc/cache/…` entries that say a broken runbook is clean, or make `.rbc`
// a link to a directory outside the tree that `rbc check` then writes into and `rbc cache clean`
// deletes. So entries are filed under a name derived from a secret kept in the user's own cache
// home (never in a repository), and no directory between the anchor and the entries may be a link
// or writable by every user.

import Foundation

public enum CacheTrust {
    /// The name this user's entries are filed under: 16 hex digits of the SHA-256 of 32 random bytes
    /// kept in `<cacheHome>/rbc/secret` (created 0600 in a 0700 directory). Nil when the secret
    /// cannot be kept or is not this user's alone: then nothing is cached.
    public static func owner(cacheHome: String) -> String? {
        let folder = (cacheHome as NSString).appendingPathComponent("rbc")
        if !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
        guard firstUntrustedDirectory(folder, below: cacheHome) == nil else { return nil }
        let path = (folder as NSString).appendingPathComponent("secret")
        var random = SystemRandomNumberGenerator()
        // A secret that is not this user's alone (a link, another owner, open to others) caches nothing.
        guard let secret = try? PrivateSecretFile.readOrCreate(path, limit: 32, make: {
            (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        }), secret.count == 32 else { return nil }
        return identity(of: secret)
    }

    static func identity(of secret: [UInt8]) -> String {
        String(SHA256.hex(secret).prefix(16))
    }

    /// The first directory from `base` (not included) down to `path` that is a symbolic link, not a
    /// directory, or writable by every user without the sticky bit; nil when there is none. A missing
    /// one ends the walk: rbc creates the rest itself.
    public static func firstUntrustedDirectory(_ path: String, below base: String) -> String? {
        guard path.hasPrefix(base) else { return path }
        var current = base
        for component in path.dropFirst(base.count).split(separator: "/") {
            current = (current as NSString).appendingPathComponent(String(component))
            var info = stat()
            guard lstat(current, &info) == 0 else { return nil }
            let kind = info.st_mode & S_IFMT
            if kind != S_IFDIR { return current }
            if info.st_mode & S_IWOTH != 0, info.st_mode & S_ISVTX == 0 { return current }
        }
        return nil
    }
}
