// Runs one command in its own process group: output streamed and captured (bounded), a deadline that
// ends the whole group (SIGTERM, a grace period, SIGKILL), and no stray children left holding pipes.

import CProcessControl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ProcessResult: Sendable {
    public enum Ending: String, Sendable { case exited, signaled, timedOut, interrupted }
    public let ending: Ending
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    public let durationMs: Int
    /// The process group that was ended (for tests that check no process survived).
    public let processGroup: Int32
    /// Processes the command left running (in its group or escaped from it) that rbc ended.
    public var leftovers: [Int32] = []

    public init(ending: Ending, exitCode: Int32, stdout: String, stderr: String, durationMs: Int, processGroup: Int32, leftovers: [Int32] = []) {
        self.ending = ending
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
        self.durationMs = durationMs
        self.processGroup = processGroup
        self.leftovers = leftovers
    }
}

// @unchecked: the interrupt request and the running group are touched only under `interruptLock`
// (a signal thread calls `interrupt()` while the run thread waits on the command); the rest is constant.
public final class ProcessRunner: @unchecked Sendable {
    /// Captured output is bounded: the first and last part of each stream are kept.
    public static let captureLimit = 256 * 1024

    public let gracePeriodMs: Int
    /// Set from a signal handler: the running command is ended like a timeout, but reported as interrupted.
    private let interruptLock = NSLock()
    private var interruptRequested = false
    private var currentGroup: pid_t = 0

    public init(gracePeriodMs: Int = 5000) {
        self.gracePeriodMs = gracePeriodMs
        _ = Self.descriptorsSealed
    }

    /// Descriptors rbc inherited (a test runner's, a CI agent's) must not leak into step commands: a
    /// leaked pipe kept open by a stray child makes whoever started rbc wait for it. Once per process.
    static let descriptorsSealed: Bool = {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for entry in entries {
            guard let descriptor = Int32(entry), descriptor > 2 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
        return true
    }()

    /// Makes this process a child subreaper: orphaned descendants of step commands are re-parented
    /// to it instead of init, so one that escaped its process group (`setsid`, a double fork) is
    /// still found and ended with its step. Process-wide, so the program decides (rbc does for runs).
    @discardableResult
    public static func becomeChildSubreaper() -> Bool {
        rbc_become_child_subreaper() == 0
    }

    /// Makes this process undumpable (`PR_SET_DUMPABLE` 0): a crash or a SIGQUIT (Ctrl-\) must not
    /// write its memory, parameter values included, to a core file in the directory it runs in, and
    /// other processes of the user cannot read that memory either. execve(2) resets it for the
    /// commands rbc starts. RLIMIT_CORE is left alone: children would inherit it.
    @discardableResult
    public static func makeUndumpable() -> Bool {
        rbc_make_undumpable() == 0
    }

    /// Whether orphans come back to this process: only then are all of its descendants a step's.
    static var isChildSubreaper: Bool { rbc_is_child_subreaper() == 1 }

    /// Ends the running command's process group (SIGTERM, then SIGKILL after the grace period).
    public func interrupt() {
        interruptLock.lock()
        interruptRequested = true
        interruptLock.unlock()
    }

    private var isInterrupted: Bool {
        interruptLock.lock()
        defer { interruptLock.unlock() }
        return interruptRequested
    }

    public func resetInterrupt() {
        interruptLock.lock()
        interruptRequested = false
        interruptLock.unlock()
    }

    public enum Failure: Error, CustomStringConvertible {
        case spawn(String, Int32)
        public var description: String {
            switch self {
            case .spawn(let shell, let code): "cannot start \(shell): \(String(cString: strerror(code)))"
            }
        }
    }

    /// Runs `shell -c command` with extra environment variables. `echo` receives output as it arrives.
    public func run(command: String, shell: String = "/bin/sh", environment: [String: String], timeoutMs: Int,
                    started: ((pid_t) -> Void)? = nil, echo: (@Sendable ([UInt8], Bool) -> Void)? = nil) throws -> ProcessResult {
        var stdoutPipe: [Int32] = [0, 0]
        var stderrPipe: [Int32] = [0, 0]
        guard pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else { throw Failure.spawn(shell, errno) }
        // Only the child's copies (dup2'd to 1 and 2) cross exec; the pipe ends themselves do not.
        for descriptor in stdoutPipe + stderrPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A group of its own: the whole tree can be ended at once, and the terminal's Ctrl-C reaches
        // only rbc, which decides what happens to the step.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)

        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envStrings = merged.map { "\($0.key)=\($0.value)" }
        let arguments = [shell, "-c", command]
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(envStrings) { envp in
                posix_spawn(&pid, shell, &actions, &attributes, argv, envp)
            }
        }
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard status == 0 else {
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw Failure.spawn(shell, status)
        }
        interruptLock.lock()
        currentGroup = pid
        interruptLock.unlock()
        started?(pid)
        let start = DispatchTime.now().uptimeNanoseconds
        let outCapture = Capture(limit: Self.captureLimit)
        let errCapture = Capture(limit: Self.captureLimit)
        var streams = [OutputStream(descriptor: stdoutPipe[0], capture: outCapture, isError: false),
                       OutputStream(descriptor: stderrPipe[0], capture: errCapture, isError: true)]
        var exitStatus: Int32 = 0
        var shellEnded = false
        var ending = ProcessResult.Ending.exited
        let deadline = start + UInt64(max(1, timeoutMs)) * 1_000_000
        var tree = TreeEnding(group: pid)
        var drainDeadline = UInt64.max
        var idleRounds = 0
        // One loop reads both pipes, reaps the shell and keeps the deadline: nothing here blocks on
        // a pipe that a stray process holds open, so the deadline and signals are always honoured.
        while true {
            if !shellEnded {
                let reaped = waitpid(pid, &exitStatus, WNOHANG)
                if reaped == pid || (reaped < 0 && errno == ECHILD) { shellEnded = true }
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if !shellEnded, ending == .exited, now >= deadline || isInterrupted {
                ending = isInterrupted ? .interrupted : .timedOut
            }
            // Time is up, or the shell is gone: whatever is left of the tree (its group, and any
            // descendant that escaped it with setsid or a double fork) is ended.
            if ending != .exited || shellEnded {
                let graceMs = ending == .exited ? min(gracePeriodMs, 2000) : gracePeriodMs
                let living = tree.step(now: now, graceMs: graceMs)
                if shellEnded, living == 0, drainDeadline == .max {
                    // Output still in the pipes is read; a pipe held open by a process rbc cannot
                    // see (not a descendant) is abandoned after a short drain.
                    drainDeadline = now + 200_000_000
                }
            }
            let open = streams.indices.filter { streams[$0].isOpen }
            if drainDeadline != .max, open.isEmpty || now >= drainDeadline { break }
            var descriptors = open.map { pollfd(fd: streams[$0].descriptor, events: Int16(POLLIN), revents: 0) }
            // Short waits at first (most commands are short), then 5 ms.
            let waitMs: Int32 = idleRounds < 20 ? 1 : 5
            if descriptors.isEmpty {
                usleep(UInt32(waitMs) * 1000)
            } else if poll(&descriptors, nfds_t(descriptors.count), waitMs) > 0 {
                for (slot, index) in open.enumerated() where descriptors[slot].revents != 0 {
                    if let chunk = streams[index].readAvailable() { echo?(Array(chunk), streams[index].isError) } // bytes: a chunk may end inside a character or a secret
                }
                idleRounds = 0
                continue
            }
            idleRounds += 1
        }
        for index in streams.indices { streams[index].close() }
        tree.reapAdopted()
        interruptLock.lock()
        currentGroup = 0
        interruptLock.unlock()
        let duration = Int((DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        var code: Int32 = -1
        if ending == .exited {
            if exitStatus & 0x7f == 0 {
                code = (exitStatus >> 8) & 0xff
            } else {
                ending = .signaled
                code = 128 + (exitStatus & 0x7f)
            }
        }
        return ProcessResult(ending: ending, exitCode: code, stdout: outCapture.text, stderr: errCapture.text,
                             durationMs: duration, processGroup: pid, leftovers: tree.ended)
    }

    /// The kernel's start time of a process (clock ticks since boot), nil when it is gone.
    public static func startTicks(of pid: pid_t) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, starttime field 22, so index 19 here.
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// The real user id owning a process, nil when it is gone.
    public static func owner(of pid: pid_t) -> uid_t? {
        var info = stat()
        guard pid > 0, stat("/proc/\(pid)", &info) == 0 else { return nil }
        return info.st_uid
    }

    /// The process group a process belongs to, from /proc, nil when it is gone.
    static func processGroup(of pid: pid_t) -> pid_t? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 2 ? pid_t(fields[2]) : nil
    }

    /// Why a journaled process group must not be signalled, nil when it may be. A journal is input
    /// like any other file: `kill(-1, …)` signals every process and `kill(0, …)` rbc's own group, so a
    /// group is only ended when it is still the one rbc started: a leader above 1 that is not rbc, with
    /// the journaled kernel start time, owned by rbc's own user.
    public static func refusalToSignal(group: pid_t, startTicks expected: UInt64) -> String? {
        if group <= 1 { return "pid \(group) cannot be a step's process group" }
        if group == getpid() || group == getpgrp() { return "pid \(group) is rbc itself" }
        guard let ticks = startTicks(of: group) else { return "process \(group) is gone" }
        if ticks != expected { return "process \(group) started at \(ticks), not at the journaled \(expected): the pid was reused" }
        if owner(of: group) != getuid() { return "process \(group) belongs to another user" }
        if processGroup(of: group) != group { return "process \(group) does not lead its own process group" }
        return nil
    }

    /// Ends a process group left running by a killed run, if it is still the same processes.
    @discardableResult
    public static func endLeftover(group: pid_t, startTicks expected: UInt64) -> Bool {
        guard refusalToSignal(group: group, startTicks: expected) == nil, !livingMembers(of: group).isEmpty else { return false }
        kill(-group, SIGTERM)
        var waited = 0
        while !livingMembers(of: group).isEmpty, waited < 3000 {
            usleep(10_000)
            waited += 10
        }
        if !livingMembers(of: group).isEmpty { kill(-group, SIGKILL) }
        return true
    }

    /// The variable every command of a run is started with (its value the run id). Descendants
    /// inherit it, and the kernel keeps the environment a process started with, so what a run left
    /// behind — escaped from its process group or not — is still recognisable after rbc was killed.
    public static let runIDVariable = "RBC_RUN_ID"

    /// Running processes of a past run: started with `RBC_RUN_ID=runID`, owned by rbc's user, no
    /// older than the run's first process, and neither rbc nor one of its ancestors (a `rbc rollback`
    /// typed inside a step's shell must not end that shell).
    public static func processes(ofRun runID: String, startedAtOrAfter earliest: UInt64) -> [pid_t] {
        guard !runID.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let marker = Array("\(runIDVariable)=\(runID)".utf8)
        var excluded: Set<pid_t> = []
        var ancestor = getpid()
        while ancestor > 1, excluded.insert(ancestor).inserted, let parent = parent(of: ancestor) { ancestor = parent }
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), pid > 1, !excluded.contains(pid), owner(of: pid) == getuid(),
                  let ticks = startTicks(of: pid), ticks >= earliest, isLiving(pid),
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
            let matches = environment.split(separator: 0, omittingEmptySubsequences: true).contains { Array($0) == marker }
            return matches ? pid : nil
        }
    }

    /// Ends processes a killed run left (SIGTERM, then SIGKILL to what outlives 3 s), each only while
    /// it is still the process that was found (same kernel start time). Returns the pids signalled.
    @discardableResult
    public static func endProcesses(_ pids: [pid_t]) -> [pid_t] {
        let found = pids.compactMap { pid in startTicks(of: pid).map { (pid, $0) } }
        let sameProcess: ((pid_t, UInt64)) -> Bool = { startTicks(of: $0.0) == $0.1 && isLiving($0.0) }
        for process in found where sameProcess(process) { kill(process.0, SIGTERM) }
        var waited = 0
        while found.contains(where: sameProcess), waited < 3000 {
            usleep(10_000)
            waited += 10
        }
        for process in found where sameProcess(process) { kill(process.0, SIGKILL) }
        return found.map(\.0)
    }

    /// The parent of a process, from /proc, nil when it is gone.
    static func parent(of pid: pid_t) -> pid_t? {
        statFields(of: pid).flatMap { $0.count > 1 ? pid_t($0[1]) : nil }
    }

    /// Whether a process runs (a zombie or a dead one does not).
    static func isLiving(_ pid: pid_t) -> Bool {
        guard let state = statFields(of: pid)?.first else { return false }
        return state != "Z" && state != "X"
    }

    /// The fields of /proc/PID/stat after the command name (state first), nil when the process is gone.
    static func statFields(of pid: pid_t) -> [Substring]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Processes of a group that are still running. Zombies do not count: an orphan's zombie lingers
    /// until some ancestor reaps it, and `kill(-group, 0)` would call it alive.
    public static func livingMembers(of group: pid_t) -> [pid_t] {
        // kill(-1, 0) and kill(0, 0) would ask about every process, or rbc's own group.
        guard group > 1 else { return [] }
        // No process at all (not even a zombie): no need to read /proc.
        if kill(-group, 0) != 0, errno == ESRCH { return [] }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            return kill(-group, 0) == 0 ? [group] : []
        }
        var living: [pid_t] = []
        for entry in entries {
            guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/stat") else { continue }
            // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
            let text = String(decoding: data, as: UTF8.self)
            guard let close = text.lastIndex(of: ")") else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 2, let pgrp = pid_t(fields[2]), pgrp == group else { continue }
            if fields[0] != "Z" && fields[0] != "X" { living.append(pid) }
        }
        return living
    }
}

/// One end of a command's output pipe, read without blocking into its capture.
struct OutputStream {
    let descriptor: Int32
    let capture: Capture
    let isError: Bool
    private(set) var isOpen = true

    init(descriptor: Int32, capture: Capture, isError: Bool) {
        self.descriptor = descriptor
        self.capture = capture
        self.isError = isError
    }

    /// What the pipe holds now (poll said it is readable); nil at its end, which closes it.
    mutating func readAvailable() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = read(descriptor, &buffer, buffer.count)
        if count < 0, errno == EINTR || errno == EAGAIN { return [] }
        guard count > 0 else {
            close()
            return nil
        }
        let chunk = Array(buffer[0..<count])
        capture.append(chunk)
        return chunk
    }

    mutating func close() {
        guard isOpen else { return }
        isOpen = false
        Glibc.close(descriptor)
    }
}

/// Ends what is left of a step's process tree: its process group, every descendant of the shell,
/// and (rbc being a child subreaper) every orphan re-parented to rbc, which a `setsid` or a double
/// fork would otherwise hide. SIGTERM to each as it is found, SIGKILL to what outlives the grace.
struct TreeEnding {
    let shell: pid_t
    private var termSentAt: UInt64?
    private var groupSignalled = false
    private var signalled: Set<pid_t> = []
    private var lastWalk: UInt64 = 0
    private var living: [ProcessTree.Entry] = []
    private var adoptedZombies: Set<pid_t> = []
    /// Processes other than the shell that had to be ended.
    private(set) var ended: [pid_t] = []

    init(group: pid_t) { shell = group }

    /// Signals what is alive and due; returns how many processes of the tree still run.
    mutating func step(now: UInt64, graceMs: Int) -> Int {
        // /proc is read at most every 20 ms: the loop around this polls every few.
        if termSentAt == nil || now - lastWalk >= 20_000_000 {
            let tree = ProcessTree.read()
            living = tree.living(group: shell, descendantsOf: [shell] + (ProcessRunner.isChildSubreaper ? [getpid()] : []))
            adoptedZombies.formUnion(tree.zombieChildren(of: getpid()).filter { $0 != shell })
            lastWalk = now
        }
        // The whole group at once (a member forked since the walk is included) while it has a member:
        // only then can its id not have been reused.
        let groupInUse = living.contains { $0.group == shell }
        let start = termSentAt ?? now
        termSentAt = start
        let signal = now >= start + UInt64(graceMs) * 1_000_000 ? SIGKILL : SIGTERM
        if groupInUse, signal == SIGKILL || !groupSignalled {
            kill(-shell, signal)
            groupSignalled = true
        }
        for entry in living where signal == SIGKILL || !signalled.contains(entry.pid) {
            if signalled.insert(entry.pid).inserted, entry.pid != shell { ended.append(entry.pid) }
            kill(entry.pid, signal)
        }
        if signal == SIGKILL { lastWalk = 0 } // look again at once
        return living.count
    }

    /// Orphans re-parented to rbc are rbc's to reap once they are gone.
    mutating func reapAdopted() {
        let tree = ProcessTree.read()
        for pid in adoptedZombies.union(tree.zombieChildren(of: getpid())) where pid != shell && (signalled.contains(pid) || adoptedZombies.contains(pid)) {
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
    }
}

/// A snapshot of /proc: each process's state, parent and process group.
struct ProcessTree {
    struct Entry {
        let pid: pid_t
        let state: Character
        let parent: pid_t
        let group: pid_t
        var isAlive: Bool { state != "Z" && state != "X" }
    }

    var entries: [pid_t: Entry] = [:]

    static func read() -> ProcessTree {
        var tree = ProcessTree()
        guard let directory = opendir("/proc") else { return tree }
        defer { closedir(directory) }
        while let item = readdir(directory) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = pid_t(name), let entry = entry(pid) else { continue }
            tree.entries[pid] = entry
        }
        return tree
    }

    /// "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    static func entry(_ pid: pid_t) -> Entry? {
        let descriptor = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        guard count > 0, let parenthesis = buffer[0..<count].lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = buffer[(parenthesis + 1)..<count].split(separator: UInt8(ascii: " "), maxSplits: 4)
        guard fields.count >= 4, let state = fields[0].first,
              let parent = pid_t(String(decoding: fields[1], as: UTF8.self)),
              let group = pid_t(String(decoding: fields[2], as: UTF8.self)) else { return nil }
        return Entry(pid: pid, state: Character(UnicodeScalar(state)), parent: parent, group: group)
    }

    /// Living members of a process group and living descendants of the given roots (roots excluded
    /// unless they belong to the group).
    func living(group: pid_t, descendantsOf roots: [pid_t]) -> [Entry] {
        var children: [pid_t: [pid_t]] = [:]
        for entry in entries.values { children[entry.parent, default: []].append(entry.pid) }
        var found = Set(entries.values.filter { $0.group == group && $0.isAlive }.map(\.pid))
        var queue = roots
        var seen = Set(roots)
        while let next = queue.popLast() {
            for child in children[next] ?? [] where seen.insert(child).inserted {
                if entries[child]?.isAlive == true { found.insert(child) }
                queue.append(child)
            }
        }
        found.remove(getpid())
        return found.sorted().compactMap { entries[$0] }
    }

    func zombieChildren(of parent: pid_t) -> [pid_t] {
        entries.values.filter { $0.parent == parent && !$0.isAlive }.map(\.pid)
    }
}

/// Output kept within a limit: the beginning and the end, with a marker for what was dropped. The
/// end is a ring buffer, so each byte costs the same however much flows through (a 1 GiB body).
// @unchecked: head, ring and counters change only under `lock` (a reader thread appends, the runner reads).
final class Capture: @unchecked Sendable {
    private let lock = NSLock()
    private let half: Int
    private var head: [UInt8] = []
    private var ring: [UInt8]
    /// Where the next byte of the ring goes, and how much of it is filled.
    private var next = 0
    private var filled = 0
    private(set) var total = 0

    init(limit: Int) {
        half = max(1, limit / 2)
        ring = [UInt8](repeating: 0, count: half)
    }

    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    func append(_ bytes: UnsafeRawBufferPointer) {
        lock.lock()
        defer { lock.unlock() }
        total += bytes.count
        var rest = bytes[...]
        if head.count < half {
            let take = min(half - head.count, rest.count)
            head += rest.prefix(take)
            rest = rest.dropFirst(take)
        }
        // Only the last `half` bytes can survive in the ring.
        if rest.count > half { rest = rest.suffix(half) }
        filled = min(half, filled + rest.count)
        ring.withUnsafeMutableBytes { ring in
            while !rest.isEmpty {
                let count = min(half - next, rest.count)
                ring.baseAddress?.advanced(by: next).copyMemory(from: UnsafeRawBufferPointer(rebasing: rest.prefix(count)).baseAddress!, byteCount: count)
                next = (next + count) % half
                rest = rest.dropFirst(count)
            }
        }
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        let tail = filled < half ? Array(ring[0..<filled]) : Array(ring[next...] + ring[..<next])
        let dropped = total - head.count - tail.count
        let marker = dropped > 0 ? Array("\n[… \(dropped) bytes not kept …]\n".utf8) : []
        return String(decoding: head + marker + tail, as: UTF8.self)
    }
}

/// Calls `body` with a NULL-terminated C array of strings that lives for the call.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}
