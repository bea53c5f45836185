// Runs a helper tool (ShellCheck) with a deadline: in a process group of its own, so that at the
// deadline the tool and anything it started are ended together, and its output is read with poll so
// that a descendant holding the pipe open cannot keep rbc waiting.

import Dispatch
import Foundation

enum BoundedProcess {
    /// The tool's standard output, or nil when it could not start; `timedOut` when the deadline
    /// passed first (the whole group is then killed and its output dropped).
    static func run(_ executable: String, _ arguments: [String], deadline: DispatchTime) -> (data: Data?, timedOut: Bool) {
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { return (nil, false) }
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(output[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let status = withCStrings([executable] + arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        close(output[1])
        guard status == 0 else {
            close(output[0])
            return (nil, false)
        }
        defer { close(output[0]) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timedOut = false
        while true {
            let now = DispatchTime.now()
            guard now < deadline else { timedOut = true; break }
            let remainingMs = Int32(clamping: (deadline.uptimeNanoseconds - now.uptimeNanoseconds) / 1_000_000 + 1)
            var descriptor = pollfd(fd: output[0], events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, remainingMs)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(output[0], $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        if timedOut {
            kill(-pid, SIGKILL)
        }
        var exitStatus: Int32 = 0
        while waitpid(pid, &exitStatus, 0) < 0, errno == EINTR {}
        return timedOut ? (nil, true) : (data, false)
    }

    private static func withCStrings<Result>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result) -> Result {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}
