extension LoadReport.Latency {
    /// The median, milliseconds (0 when nothing completed).
    public var p50Ms: Double { percentilesMs["p50"] ?? 0 }
    public var p90Ms: Double { percentilesMs["p90"] ?? 0 }
    public var p95Ms: Double { percentilesMs["p95"] ?? 0 }
    public var p99Ms: Double { percentilesMs["p99"] ?? 0 }
}
