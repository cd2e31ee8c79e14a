/// The page's CSS, charts included: inline SVG takes its colours from these classes, so the
/// palette lives in one place (the same as the recorder's own report page).
enum DiagnosisHTMLStyle {
    static let css = #"""
    :root{--ink:#1d2330;--muted:#5c6370;--line:#e3e6ea;--card:#fff;--bg:#f6f7f9;
      --instant:#2f9e44;--snappy:#74b816;--noticeable:#f59f00;--slow:#e8590c;--broken:#c92a2a;
      --database:#4263eb;--http:#ae3ec9;--app:#adb5bd;--span:#20c997;--stall:#e03131;--curve:#1c7ed6}
    *{box-sizing:border-box}
    body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
    main{max-width:1120px;margin:0 auto;padding:20px 24px 40px}
    h1{font-size:24px;margin:0 0 6px}h1 small,h2 small{color:var(--muted);font-weight:normal;font-size:14px}
    h2{font-size:19px;margin:30px 0 10px}h3{font-size:15px;margin:24px 0 8px;color:#2b3140}
    h4{font-size:14px;margin:12px 0 6px}
    code,pre,.fn{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px}
    code{background:#eef0f3;padding:0 4px;border-radius:3px;overflow-wrap:anywhere}
    pre{background:#f1f3f5;padding:8px 10px;border-radius:4px;overflow-x:auto;white-space:pre-wrap;margin:6px 0}
    a{color:#1864ab;text-decoration:none}a:hover{text-decoration:underline}
    .meta{color:var(--muted);margin:2px 0}.hint{color:var(--muted);margin:0 0 8px;font-size:13px}
    .empty{color:var(--muted);font-style:italic}.note{color:var(--muted);font-size:12.5px}
    table{border-collapse:collapse;width:100%;background:var(--card);border:1px solid var(--line);border-radius:6px}
    th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    th{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em;background:#fafbfc}
    .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    .summary{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:18px 20px}
    .overall{font-size:18px;font-weight:600;margin:12px 0 0;padding:8px 12px;border-radius:6px}
    .overall.pass{background:#ebfbee;color:#2b8a3e}.overall.fail{background:#fff5f5;color:#c92a2a}.overall.none{background:#f1f3f5;color:var(--muted)}
    .blind-spots{margin:16px 0;padding:12px 18px;background:#fff9db;border:2px solid #fab005;border-radius:8px}
    .blind-spots h2{margin:0 0 6px;font-size:17px;color:#a05a00}.blind-spots ul{margin:0;padding-left:20px}
    .fix-first{margin:16px 0;padding:14px 20px;background:#e7f5ff;border-left:6px solid #1c7ed6;border-radius:6px}
    .fix-first h2{margin:0 0 6px;font-size:17px;color:#1864ab}.fix-first p{margin:4px 0}.fix-first .what{font-size:16px}
    .fix-first.none{background:#f1f3f5;border-color:#adb5bd}.fix-first.none h2{color:var(--muted)}
    .feel{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;color:#fff;line-height:19px}
    .feel.instant{background:var(--instant)}.feel.snappy{background:var(--snappy)}.feel.noticeable{background:var(--noticeable)}
    .feel.slow{background:var(--slow)}.feel.broken{background:var(--broken)}
    .feel-text.instant{color:var(--instant)}.feel-text.snappy{color:#5c940d}.feel-text.noticeable{color:#e67700}
    .feel-text.slow{color:var(--slow)}.feel-text.broken{color:var(--broken)}
    .feel-legend{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:center}.feel-legend .feel{margin-right:3px}
    .pass{color:#2b8a3e;font-weight:600}.fail,.bad{color:#c92a2a;font-weight:600}
    .badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;line-height:19px}
    .badge.pass{background:#ebfbee}.badge.fail{background:#fff5f5}.badge.line{background:#fff9db}
    .effort{display:inline-block;padding:0 7px;border-radius:4px;font-size:12px;background:#f1f3f5;white-space:nowrap}
    .effort.low{background:#ebfbee;color:#2b8a3e}.effort.medium{background:#fff4e6;color:#d9480f}.effort.high{background:#fff5f5;color:#c92a2a}
    .verdict-badge{display:inline-block;padding:0 7px;border-radius:4px;font-size:12px;font-weight:600}
    .verdict-badge.improved{background:#ebfbee;color:#2b8a3e}.verdict-badge.regressed{background:#fff5f5;color:#c92a2a}
    .verdict-badge.unchanged{background:#f1f3f5;color:var(--muted)}
    .change.improved{color:#2b8a3e;font-weight:600}.change.regressed{color:#c92a2a;font-weight:600}
    .compare tr.first td{border-top:2px solid var(--line)}.arrow{color:var(--muted);padding:6px 0}
    .wins{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:10px}
    .win{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:4px 14px 10px}.win p{margin:4px 0}
    .endpoint{margin-top:36px;padding:6px 22px 18px;background:var(--card);border:1px solid var(--line);border-radius:8px}
    .endpoint-head{display:flex;align-items:center;gap:10px;flex-wrap:wrap;border-bottom:1px solid var(--line);padding-bottom:8px}
    .endpoint-head h2{margin:10px 0 2px;overflow-wrap:anywhere}.endpoint-head .top{margin-left:auto;font-size:12px}
    .method{font-family:ui-monospace,Menlo,monospace;background:#1d2330;color:#fff;padding:1px 7px;border-radius:4px;font-size:14px}
    .route{font-family:ui-monospace,Menlo,monospace}.loaded{margin:6px 0 0;color:var(--muted)}
    .verdict{margin:10px 0;padding:8px 14px;border-radius:6px;background:#f8f9fa;border-left:5px solid #adb5bd}
    .verdict.within{border-color:var(--instant)}.verdict.over{border-color:var(--broken)}.verdict p{margin:4px 0}
    .budget-lines,.warnings{margin:4px 0;padding-left:18px;list-style:none}.budget-lines li{margin:0}
    .warnings li{color:#a05a00}.facts{color:var(--muted)}
    .suspects{list-style:none;padding:0;margin:0;display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:8px}
    .suspect{display:flex;gap:10px;padding:8px 12px;border:1px solid var(--line);border-radius:6px;background:#fcfcfd}
    .suspect .mark{flex:none;width:24px;height:24px;border-radius:12px;text-align:center;line-height:24px;font-weight:700;color:#fff;background:#adb5bd}
    .suspect.found{border-color:#ffc9c9;background:#fff8f8}.suspect.found .mark{background:var(--broken)}
    .suspect.clear .mark{background:var(--instant)}.suspect .status{font-size:12px;color:var(--muted)}
    .kind{display:inline-block;font:11.5px ui-monospace,Menlo,monospace;background:#fff4e6;color:#d9480f;padding:1px 7px;border-radius:4px}
    .kind.small{font-size:11px;padding:0 5px}
    .tag{font-size:11px;padding:0 6px;border-radius:4px;background:#f1f3f5;color:var(--muted)}.tag.app{background:#e7f5ff;color:#1864ab}
    .finding{border:1px solid var(--line);border-left:5px solid var(--slow);border-radius:6px;padding:6px 14px 10px;margin:10px 0;background:#fffdfb}
    .finding header{display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}.finding h4{margin:6px 0;overflow-wrap:anywhere}
    .finding .saving{margin:2px 0;color:var(--muted)}.finding .saving b{color:var(--ink)}
    .evidence{margin:6px 0;padding-left:20px}.evidence li{overflow-wrap:anywhere}
    .evidence .bars{font:12px ui-monospace,Menlo,monospace;white-space:pre;list-style:none;margin-left:-20px;overflow-x:auto}
    .fix{margin:6px 0}.plan pre{font-size:12px}
    details summary{cursor:pointer;color:var(--muted);font-size:13px}
    svg.chart{display:block;width:100%;height:auto;background:#fff;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
    .chart .grid line,.chart .vgrid{stroke:#edf0f2;stroke-width:1}
    .chart .axis{fill:none;stroke:#868e96;stroke-width:1}
    .chart .tick{font-size:11px;fill:var(--muted)}.chart .tick.y{text-anchor:end;dominant-baseline:middle}
    .chart .tick.x{text-anchor:middle}
    .chart .axis-title{font-size:11.5px;fill:var(--muted);text-anchor:middle}
    .curve{fill:none;stroke:var(--curve);stroke-width:2.2;stroke-linejoin:round}
    .curve-area{fill:var(--curve);opacity:.09}.curve-dot{fill:var(--curve)}
    .marker{fill:#fff;stroke:var(--curve);stroke-width:2}.max-dot{fill:var(--curve)}
    .marker-label,.budget-label{font-size:11.5px;fill:var(--ink);paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
    .marker-label.end{text-anchor:end}
    .budget line{stroke:var(--broken);stroke-width:1.4;stroke-dasharray:6 4}.budget .budget-drop{stroke-dasharray:2 3;stroke-width:1}
    .budget .budget-key{stroke-dasharray:5 3}.budget-ring{fill:none;stroke:var(--broken);stroke-width:1.6}.budget-label{fill:var(--broken);font-weight:600}
    .timeline{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:14px}
    .timeline-chart{margin:0;border:1px solid var(--line);border-radius:6px;padding:6px 8px;background:#fff}
    .timeline-chart figcaption{font-size:12.5px;color:var(--muted);margin-bottom:2px}
    .series{fill:none;stroke-width:2;stroke-linejoin:round}.series.rps{stroke:#0ca678}.series.p99{stroke:#e8590c}.series.p50{stroke:#4dabf7}
    .dot.rps{fill:#0ca678}.dot.p99{fill:#e8590c}.dot.p50{fill:#4dabf7}.error-tick{stroke:var(--broken);stroke-width:3}
    .legend{font-size:12.5px;color:var(--muted);margin:4px 0}
    .swatch{display:inline-block;width:12px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:baseline}
    .swatch.rps{background:#0ca678}.swatch.p99{background:#e8590c}.swatch.p50{background:#4dabf7}
    .swatch.database,.split .database,.waterfall .database{background:var(--database);fill:var(--database)}
    .swatch.http,.split .http,.waterfall .http{background:var(--http);fill:var(--http)}
    .swatch.app,.split .app{background:var(--app)}
    .swatch.stall,.waterfall .stall{background:var(--stall);fill:var(--stall)}
    .swatch.span,.waterfall .span{background:var(--span);fill:var(--span)}
    .waterfall .request{fill:#868e96}
    .waterfall{border:1px solid var(--line);border-radius:6px}
    .waterfall .stripe{fill:#f8f9fa}.waterfall .label{font:11.5px ui-monospace,Menlo,monospace;fill:var(--ink)}
    .waterfall .duration{font-size:11.5px;fill:var(--muted);text-anchor:end;font-variant-numeric:tabular-nums}
    .waterfall .row:hover .stripe,.waterfall .row:hover{opacity:.85}
    .request-line{margin:4px 0 8px}
    .split{display:flex;height:22px;border-radius:4px;overflow:hidden;background:#eee;margin:6px 0 4px}
    .split span{display:block;height:22px;color:#fff;font-size:12px;line-height:22px;padding-left:6px;white-space:nowrap;overflow:hidden}
    .split .app{color:#1d2330}.split-text{margin:2px 0 10px;font-size:13px}.split-text .swatch:first-child{margin-left:0}
    .ramp tr.plateau td{background:#fff9db;font-weight:600}
    .callout{padding:8px 12px;border-radius:6px;background:#fff9db;border-left:4px solid #fab005}
    .hottest{margin-bottom:10px}.hottest .fn{overflow-wrap:anywhere}
    .pct{position:relative;display:inline-block;min-width:64px;text-align:right;z-index:0}
    .pct span{position:absolute;left:0;top:2px;bottom:2px;background:#ffe8cc;border-radius:2px;z-index:-1}
    iframe.flamegraph{width:100%;border:1px solid var(--line);border-radius:6px;background:#fff;display:block}
    footer{margin-top:30px;color:#868e96;font-size:12px}
    @media (max-width:760px){.suspects,.timeline{grid-template-columns:1fr}}
    """#
}
