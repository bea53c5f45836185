// Alert ↔ runbook coverage on small fixtures and on the shared corpora: kube-prometheus alert rules
// against the prometheus-operator runbooks snapshot, whose missing pages must be found exactly.

import Foundation
import RunbookDriver
import Testing

@Suite struct AlertCoverageTests {
    @Test func fixturesCoverEveryCheck() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ name: String, _ text: String) throws {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("runbooks/api/HighErrorRate.md", "---\nseverity: P2\nowner: t\ntriggers: [{alert: APIHighErrorRate}, {alert: APIOld}]\n---\n# High error rate\n\n## Steps\n\n### Check\n\n```bash {timeout=30s}\ncurl -s http://api.internal/health\n```\n")
        try write("rules/api.yaml", """
        groups:
          - name: api
            rules:
              - alert: APIHighErrorRate
                expr: rate(errors[5m]) > 1
                annotations:
                  runbook_url: https://runbooks.acme.invalid/api/higherrorrate#check
              - alert: APIDown
                expr: up == 0
                annotations:
                  runbook_url: https://runbooks.acme.invalid/api/down
              - alert: APISlow
                expr: latency > 1
              - alert: APIAnchor
                expr: x > 1
                annotations:
                  runbook_url: ../runbooks/api/HighErrorRate.md#no-such-section
              - alert: External
                expr: x > 1
                annotations:
                  runbook_url: https://wiki.other.invalid/page
        ---
        groups: []

        """)
        try write(".rbc.yaml", "alerts:\n  runbook_urls:\n    - base_url: \"https://runbooks.acme.invalid/\"\n      directory: runbooks\n")
        let run = try TestSupport.rbc(["check", "runbooks", "--alerts", "rules", "--no-git", "--format", "concise"], in: dir.path)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("rules/api.yaml:11:24: error[RB023] runbook_url of alert `APIDown` is dead: no runbook at api/down under \(dir.path)/runbooks"), "\(run.stdout)")
        #expect(lines.contains("rules/api.yaml:12:16: error[RB022] alert `APISlow` has no `runbook_url` annotation"))
        #expect(lines.contains { $0.hasPrefix("rules/api.yaml:17:24: error[RB023] runbook_url of alert `APIAnchor` is dead:") && $0.hasSuffix("has no section `#no-such-section`") })
        #expect(lines.contains("runbooks/api/HighErrorRate.md:4:47: warning[RB024] trigger names alert `APIOld`, which no alerting rule defines"))
        #expect(lines.count == 4, "the resolving link, its anchor and the external URL are fine: \(run.stdout)")
        #expect(run.status == 1)
    }

    /// Exactly the links whose pages are missing from the snapshot, and nothing else.
    @Test func kubePrometheusAgainstPrometheusOperatorRunbooks() throws {
        let corpora = try TestSupport.sharedCorpora()
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let runbooks = corpora.appendingPathComponent("prometheus-operator-runbooks/content/runbooks").path
        try "alerts:\n  runbook_urls:\n    - base_url: \"https://runbooks.prometheus-operator.dev/runbooks/\"\n      directory: \"\(runbooks)\"\n"
            .write(to: dir.appendingPathComponent(".rbc.yaml"), atomically: true, encoding: .utf8)
        try "runbook:\n  name: placeholder\n  severity: P3\n  owner: t\n  steps:\n    - {id: a, action: wait, duration: 1s, timeout: 5s}\n"
            .write(to: dir.appendingPathComponent("r.yaml"), atomically: true, encoding: .utf8)
        let rules = corpora.appendingPathComponent("kube-prometheus-rules/manifests").path
        let run = try TestSupport.rbc(["check", "r.yaml", "--alerts", rules, "--no-git", "--format", "json"], in: dir.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.allSatisfy { $0["code"] as? String == "RB023" }, "only dead links: \(diagnostics.map { $0["message"] ?? "" })")
        let found = diagnostics.compactMap { entry -> String? in
            guard let file = entry["file"] as? String, let message = entry["message"] as? String,
                  let alert = message.split(separator: "`").dropFirst().first else { return nil }
            return "\((file as NSString).lastPathComponent) \(alert)"
        }.sorted()
        let expected = [
            "alertmanager-prometheusRule.yaml AlertmanagerClusterFailedPeers",
            "grafana-prometheusRule.yaml GrafanaRequestsFailing",
            "kubernetesControlPlane-prometheusRule.yaml KubeAPIInstanceUnreachable",
            "kubernetesControlPlane-prometheusRule.yaml KubeControllerManagerInstanceUnreachable",
            "kubernetesControlPlane-prometheusRule.yaml KubeDeploymentRolloutStuck",
            "kubernetesControlPlane-prometheusRule.yaml KubeJobNotCompleted",
            "kubernetesControlPlane-prometheusRule.yaml KubeNodeEviction",
            "kubernetesControlPlane-prometheusRule.yaml KubeNodePressure",
            "kubernetesControlPlane-prometheusRule.yaml KubePdbNotEnoughHealthyPods",
            "kubernetesControlPlane-prometheusRule.yaml KubePersistentVolumeInodesFillingUp",
            "kubernetesControlPlane-prometheusRule.yaml KubePersistentVolumeInodesFillingUp",
            "kubernetesControlPlane-prometheusRule.yaml KubeSchedulerInstanceUnreachable",
            "kubernetesControlPlane-prometheusRule.yaml KubeletInstanceUnreachable",
            "nodeExporter-prometheusRule.yaml NodeBondingDegraded",
            "nodeExporter-prometheusRule.yaml NodeCPUHighUsage",
            "nodeExporter-prometheusRule.yaml NodeDiskIOSaturation",
            "nodeExporter-prometheusRule.yaml NodeMemoryHighUtilization",
            "nodeExporter-prometheusRule.yaml NodeMemoryMajorPagesFaults",
            "nodeExporter-prometheusRule.yaml NodeSystemSaturation",
            "nodeExporter-prometheusRule.yaml NodeSystemdServiceCrashlooping",
            "nodeExporter-prometheusRule.yaml NodeSystemdServiceFailed",
            "prometheus-prometheusRule.yaml PrometheusHighQueryLoad",
            "prometheus-prometheusRule.yaml PrometheusKubernetesListWatchFailures",
            "prometheus-prometheusRule.yaml PrometheusSDRefreshFailure",
            "prometheus-prometheusRule.yaml PrometheusScrapeBodySizeLimitHit",
            "prometheus-prometheusRule.yaml PrometheusScrapeSampleLimitHit",
            "prometheusOperator-prometheusRule.yaml PrometheusOperatorStatusUpdateErrors",
        ]
        #expect(found == expected)
    }
}
