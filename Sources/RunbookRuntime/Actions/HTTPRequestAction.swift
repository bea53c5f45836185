// `http_request`: each field's values encoded for where they go, the answer checked against
// `expect` (2xx when nothing is expected), outputs read from the body.

import Foundation
import RunbookSema

extension Executor {
    func sendRequest(_ action: ActionIR, step: StepIR, fieldPrefix: String, timeoutMs: Int) throws -> AttemptResult {
        let expect = fieldPrefix.isEmpty ? step.expect : nil
        let url = try resolve(action.url ?? "", field: fieldPrefix + "url", step: step)
        var headers: [String: String] = [:]
        for (name, value) in action.headers ?? [:] { headers[name] = try resolve(value, field: "\(fieldPrefix)headers.\(name)", step: step) }
        let body = try action.body.map { try resolve($0, field: fieldPrefix + "body", step: step) }
        // A secret in a header or the body goes to the origin the runbook names, never where a redirect points.
        let carriesSecret = (Array(headers.values) + [body ?? ""]).contains { redact($0) != $0 }
        let start = effects.clock.nanoseconds()
        let response = try effects.http.send(method: action.method ?? "GET", url: url, headers: headers, body: body, timeoutMs: timeoutMs, userAgent: userAgent,
                                           keepingOrigin: carriesSecret, cancelled: { [unowned self] in actionStopped })
        var result = AttemptResult(status: .succeeded, httpStatus: response.status, stdout: response.body,
                                   durationMs: Int((effects.clock.nanoseconds() - start) / 1_000_000))
        result.bodyBytes = response.bodyBytes
        let expected = expect?.status
        if let expected, !expected.contains(response.status) {
            result.status = .failed
            result.reason = "HTTP \(response.status) (expected \(expected.map(String.init).joined(separator: ", ")))"
        } else if expected == nil, !(200...299).contains(response.status) {
            result.status = .failed
            result.reason = "HTTP \(response.status)"
        } else if let pattern = try expect?.outputPattern.map({ try resolve($0, field: "expect.output", step: step) }),
                  !Self.matches(pattern, response.body) {
            result.status = .failed
            result.reason = "the response body does not match /\(pattern)/"
        }
        if result.status == .succeeded { result.outputs = Self.outputs(step.outputs ?? [], stdout: "", stderr: "", body: response.body) }
        return result
    }
}
