// What rbc knows about the whole tree a page links into. A directory on disk may be only part of a
// repository (an export, a path-filtered copy, a sparse checkout): a missing file is a broken link only
// where something says what the complete tree holds — the git index of the repository.

import Foundation

/// The files of the git repository the checked runbooks live in, as its index lists them (the driver
/// reads it; the linter never opens a repository).
public struct RepositoryTree: Sendable {
    /// What the tree says about one path.
    public enum Presence: Sendable, Equatable {
        /// A file of the repository, or a directory holding one (on disk or not: sparse checkouts).
        case present
        /// Inside the repository, and the index has no such file or directory.
        case absent
        /// Outside the repository, or inside a submodule whose files the index does not list.
        case unknown
    }

    /// The working directory, absolute, symbolic links resolved, without a trailing slash.
    public let root: String
    /// Relative paths, lower-cased: links resolve case-insensitively, as site generators serve them.
    private let files: Set<String>
    private let directories: Set<String>
    private let submodules: [String]

    public init(root: String, files: [String], submodules: [String]) {
        let resolved = URL(fileURLWithPath: root).standardizedFileURL.resolvingSymlinksInPath().path
        self.root = resolved.count > 1 && resolved.hasSuffix("/") ? String(resolved.dropLast()) : resolved
        var directories: Set<String> = [""]
        for file in files {
            var components = file.lowercased().split(separator: "/").dropLast()
            while !components.isEmpty {
                directories.insert(components.joined(separator: "/"))
                components = components.dropLast()
            }
        }
        self.files = Set(files.map { $0.lowercased() })
        self.directories = directories
        self.submodules = submodules.map { $0.lowercased() }
    }

    /// The repository-relative form of an absolute, standardized path; nil outside the repository.
    public func relative(_ absolutePath: String) -> String? {
        if absolutePath == root { return "" }
        let prefix = root == "/" ? "/" : root + "/"
        guard absolutePath.hasPrefix(prefix) else { return nil }
        return String(absolutePath.dropFirst(prefix.count))
    }

    public func presence(of absolutePath: String) -> Presence {
        guard let relative = relative(absolutePath)?.lowercased() else { return .unknown }
        let bare = relative.hasSuffix("/") ? String(relative.dropLast()) : relative
        if submodules.contains(where: { bare == $0 || bare.hasPrefix($0 + "/") }) { return .unknown }
        return files.contains(bare) || directories.contains(bare) ? .present : .absent
    }
}
