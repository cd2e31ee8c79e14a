import Hotpath
import HotpathLoad

/// Everything about one endpoint, top to bottom in the order a reader asks: how slow is it,
/// which suspect is guilty, what the distribution and the run looked like, where one slow
/// request spends its time, and what to change.
enum EndpointSection {
    static func render(_ endpoint: EndpointDiagnosis, id: String, limits: [BudgetLimit], budget: String) -> String {
        var html = "<section class=\"endpoint\" id=\"\(id)\"><header class=\"endpoint-head\">"
        html += "<h2><span class=\"method\">\(HTMLText.escape(endpoint.method))</span> <span class=\"route\">\(HTMLText.escape(endpoint.route))</span></h2>"
        html += Badges.feel(endpoint.feel) + " " + Badges.budget(endpoint.budgetPassed)
        if endpoint.standing == .atTheLine { html += " <span class=\"badge line\">at the budget's line</span>" }
        html += "<a class=\"top\" href=\"#summary\">↑ summary</a></header>"
        if endpoint.path != endpoint.route {
            html += "<p class=\"loaded\">Loaded as <code>\(HTMLText.escape(endpoint.path))</code></p>"
        }
        html += verdict(endpoint, budget: budget)
        html += "<h3>Suspects checked</h3>" + suspects(endpoint.suspects)
        html += "<h3>Latency by percentile</h3>"
        html += "<p class=\"hint\">Read left to right: the typical request on the left, the rare slow ones on the right. "
        html += "A curve that shoots up at the right means a few requests are much slower than the rest.</p>"
        html += PercentileCurveSVG.render(endpoint.load.latency, limits: limits)
        html += "<h3>During the run</h3>" + TimelineSVG.render(endpoint.load.timeline)
        if let ramp = endpoint.ramp, !ramp.isEmpty {
            html += "<h3>More connections</h3>" + rampTable(ramp, plateau: endpoint.plateau)
        } else if let plateau = endpoint.plateau {
            html += "<h3>More connections</h3>" + plateauNote(plateau)
        }
        html += "<h3>Where the time goes</h3>"
        if let breakdown = endpoint.breakdown {
            html += BreakdownBar.render(breakdown)
        }
        if let request = endpoint.exampleRequest {
            html += "<h4>One slow request, event by event</h4>" + WaterfallSVG.render(request)
        }
        if endpoint.breakdown == nil, endpoint.exampleRequest == nil {
            html += "<p class=\"empty\">Not known: the server's own records of this endpoint were not available, so only "
            html += "what a client sees (latency, throughput) was measured.</p>"
        }
        if let profile = endpoint.profile {
            html += "<h3>CPU profile of one request</h3>" + FlamegraphEmbed.render(profile)
        } else if let reason = endpoint.profileNotTaken {
            html += "<h3>CPU profile of one request</h3><p class=\"empty\">Not taken: \(HTMLText.escape(reason)).</p>"
        }
        html += "<h3>Findings</h3>"
        if endpoint.findings.isEmpty {
            html += "<p class=\"empty\">The detectors found nothing on this endpoint.</p>"
        } else {
            html += "<p class=\"hint\">Biggest expected saving first.</p>"
            html += endpoint.findings.map { FindingCard.render($0, savingMs: $0.savingMs) }.joined()
        }
        if let harm = endpoint.harm {
            html += "<h3>Harm to other endpoints</h3><p class=\"harm\">It holds threads the other endpoints wait for: "
            html += "<b>\(HTMLText.escape(harm.control))</b> took \(HTMLText.ms(harm.aloneMs)) alone (median of \(harm.aloneRequests)), "
            html += "\(HTMLText.ms(harm.underLoadMs)) while this endpoint was loaded (median of \(harm.underLoadRequests)): "
            html += "<b>+\(HTMLText.ms(harm.harmMs))</b> on each of their requests.</p>"
        }
        if !endpoint.oneOffs.isEmpty {
            html += "<h3>One-offs <small>seen in the slowest requests, too rarely to be a finding</small></h3><ul class=\"one-offs\">"
            for oneOff in endpoint.oneOffs {
                html += "<li>\(HTMLText.prose(FindingText.title(oneOff)))"
                if let recurrence = oneOff.recurrence { html += " <small>in \(recurrence.requests) of \(recurrence.of) sampled requests</small>" }
                if oneOff.recurrence?.waitedForHeldThreads == true { html += " <small>· its time went waiting for threads a blocking call or stall held: fix that first</small>" }
                if let example = oneOff.examples.first { html += " <small>(\(HTMLText.ms(Double(example.durationNanoseconds) / 1e6)) request)</small>" }
                html += "</li>"
            }
            html += "</ul>"
        }
        return html + "</section>\n"
    }

    /// The verdict in words, then the run's facts.
    static func verdict(_ endpoint: EndpointDiagnosis, budget: String) -> String {
        let load = endpoint.load
        let latency = load.latency
        var html = "<div class=\"verdict \(endpoint.budgetPassed ? "within" : "over")\">"
        if latency.count == 0 {
            html += "<p><b>No request completed</b> during this run, so its latency is unknown.</p>"
        } else {
            let p50 = latency.percentilesMs["p50"] ?? .nan
            let p95 = latency.percentilesMs["p95"] ?? .nan
            let p99 = latency.percentilesMs["p99"] ?? .nan
            html += "<p>Half of the requests took under <b>\(HTMLText.ms(p50))</b>; 95 in 100 under <b>\(HTMLText.ms(p95))</b> "
            html += "— <b class=\"feel-text \(endpoint.feel.rawValue)\">\(HTMLText.escape(endpoint.feel.meaning))</b> "
            html += "(\(HTMLText.escape(endpoint.feel.range))); the slowest 1 in 100 took over <b>\(HTMLText.ms(p99))</b>.</p>"
        }
        if load.budget.isEmpty {
            html += "<p>Budget <code>\(HTMLText.escape(budget))</code>: \(endpoint.budgetPassed ? "met" : "not met").</p>"
        } else {
            html += "<ul class=\"budget-lines\">"
            for line in load.budget {
                html += "<li class=\"\(line.passed ? "pass" : "fail")\">\(line.passed ? "✓" : "✗") budget <code>\(HTMLText.escape(line.clause))</code>: "
                html += "measured \(HTMLText.escape(line.measured))</li>"
            }
            html += "</ul>"
        }
        let summary = load.summary
        var facts = [
            "\(HTMLText.count(summary.requests)) requests in \(HTMLText.decimal(summary.elapsedS, digits: 1)) s",
            "\(HTMLText.rate(summary.requestsPerSecond)) req/s",
            "\(HTMLText.count(load.config.connections)) connections (\(HTMLText.escape(load.config.latencyMode)))",
        ]
        if summary.socketErrors > 0 || summary.non2xx3xx > 0 {
            facts.append("<span class=\"bad\">\(HTMLText.count(summary.socketErrors)) socket errors, \(HTMLText.count(summary.non2xx3xx)) non-2xx/3xx (\(HTMLText.percent(summary.errorRate * 100)))</span>")
        } else {
            facts.append("no errors")
        }
        let statuses = load.statusCodes.sorted { $0.key < $1.key }.map { "\(HTMLText.escape($0.key)) × \(HTMLText.count($0.value))" }
        if !statuses.isEmpty { facts.append("status " + statuses.joined(separator: ", ")) }
        if endpoint.bytesPerResponse.isFinite, endpoint.bytesPerResponse > 0 {
            facts.append("\(HTMLText.bytes(endpoint.bytesPerResponse)) per response")
        }
        html += "<p class=\"facts\">" + facts.joined(separator: " · ") + "</p>"
        if !load.warnings.isEmpty {
            html += "<ul class=\"warnings\">" + load.warnings.map { "<li>⚠ \(HTMLText.escape($0.message))</li>" }.joined() + "</ul>"
        }
        return html + "</div>"
    }

    static func suspects(_ checks: [SuspectCheck]) -> String {
        guard !checks.isEmpty else { return "<p class=\"empty\">The suspects were not checked.</p>" }
        var html = "<ol class=\"suspects\">"
        for check in checks {
            let (mark, word) = switch check.status {
            case .found: ("✗", "found")
            case .clear: ("✓", "clear")
            case .unknown: ("?", "not checked")
            }
            html += "<li class=\"suspect \(check.status.rawValue)\"><span class=\"mark\" title=\"\(word)\">\(mark)</span>"
            html += "<span class=\"what\"><b>\(HTMLText.escape(check.suspect.title))</b> <span class=\"status\">\(word)</span><br>"
            html += "\(HTMLText.escape(check.summary))"
            if let enable = check.enable { html += "<br><small>To see it: \(HTMLText.escape(enable))</small>" }
            if !check.findingKinds.isEmpty {
                html += " " + check.findingKinds.map { "<span class=\"kind small\">\(HTMLText.escape(FindingCard.label($0)))</span>" }.joined(separator: " ")
            }
            html += "</span></li>"
        }
        return html + "</ol>"
    }

    static func rampTable(_ steps: [RampStep], plateau: RampPlateau?) -> String {
        var html = "<p class=\"hint\">The same load with more and more connections: throughput should grow until the server is busy.</p>"
        html += "<table class=\"ramp\"><thead><tr><th class=\"num\">Connections</th><th class=\"num\">req/s</th>"
        html += "<th class=\"num\">p50</th><th class=\"num\">p99</th><th class=\"num\">Server CPU</th></tr></thead><tbody>"
        for step in steps {
            let marked = plateau?.connections == step.connections
            html += "<tr\(marked ? " class=\"plateau\"" : "")><td class=\"num\">\(HTMLText.count(step.connections))\(marked ? " ◀ plateau" : "")</td>"
            html += "<td class=\"num\">\(HTMLText.rate(step.requestsPerSecond))</td><td class=\"num\">\(HTMLText.ms(step.p50Ms))</td>"
            html += "<td class=\"num\">\(HTMLText.ms(step.p99Ms))</td><td class=\"num\">\(step.serverCPUPercent.map(HTMLText.percent) ?? "n/a")</td></tr>"
        }
        html += "</tbody></table>"
        if let plateau { html += plateauNote(plateau) }
        return html
    }

    static func plateauNote(_ plateau: RampPlateau) -> String {
        "<p class=\"callout \(HTMLText.escape(plateau.cause.rawValue))\"><b>Throughput plateau.</b> \(HTMLText.escape(plateau.message))</p>"
    }
}
