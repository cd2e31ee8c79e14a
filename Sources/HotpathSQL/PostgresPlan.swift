import Foundation

/// One node of PostgreSQL's `EXPLAIN (FORMAT JSON)` plan.
package struct PostgresPlanNode: Sendable {
    package var nodeType: String
    package var relationName: String?
    package var filter: String?
    package var totalCost: Double
    package var planRows: Double
    package var children: [PostgresPlanNode]

    /// Parses the text of `EXPLAIN (FORMAT JSON)`: `[{"Plan": {...}}]`.
    package static func parse(_ json: String) -> PostgresPlanNode? {
        guard let data = json.data(using: .utf8),
            let top = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]],
            let plan = top.first?["Plan"] as? [String: Any]
        else { return nil }
        return node(plan)
    }

    private static func node(_ object: [String: Any]) -> PostgresPlanNode {
        PostgresPlanNode(
            nodeType: object["Node Type"] as? String ?? "?",
            relationName: object["Relation Name"] as? String,
            filter: object["Filter"] as? String,
            totalCost: (object["Total Cost"] as? NSNumber)?.doubleValue ?? 0,
            planRows: (object["Plan Rows"] as? NSNumber)?.doubleValue ?? 0,
            children: (object["Plans"] as? [[String: Any]] ?? []).map(node)
        )
    }

    /// Every node, depth first.
    package var allNodes: [PostgresPlanNode] {
        [self] + children.flatMap(\.allNodes)
    }

    /// The plan as indented text lines, like `EXPLAIN` prints it.
    package func lines(depth: Int = 0) -> [String] {
        var text = String(repeating: "  ", count: depth) + (depth > 0 ? "-> " : "") + nodeType
        if let relationName { text += " on \(relationName)" }
        text += " (cost=\(String(format: "%.2f", totalCost)) rows=\(Int(planRows)))"
        if let filter { text += " Filter: \(filter)" }
        return [text] + children.flatMap { $0.lines(depth: depth + 1) }
    }
}
