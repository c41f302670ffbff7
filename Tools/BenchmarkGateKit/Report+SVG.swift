import Foundation

/// Draws simple, dependency-free SVG charts.
///
/// Hand-written because the toolchain has no charting library and the
/// project must not add one for library users; SVG is plain text, renders on
/// GitHub, and needs no network or fonts beyond the viewer's.
enum SVG {
  static let palette = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
  ]
  static let better = "#59a14f"
  static let worse = "#e15759"
  static let neutral = "#4e79a7"

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  static func number(_ value: Double) -> String {
    let magnitude = abs(value)
    if magnitude >= 1e9 { return String(format: "%.3gG", value / 1e9) }
    if magnitude >= 1e6 { return String(format: "%.3gM", value / 1e6) }
    if magnitude >= 1e4 { return String(format: "%.3gk", value / 1e3) }
    if magnitude >= 100 { return String(format: "%.0f", value) }
    if magnitude > 0 && magnitude < 0.01 { return String(format: "%.2g", value) }
    return String(format: "%.3g", value)
  }

  /// A value axis, linear from 0 or logarithmic over whole decades (chosen
  /// when the positive values span more than a factor of 20).
  struct Axis {
    var logarithmic: Bool
    var low: Double
    var high: Double

    init(values: [Double], including extra: [Double] = []) {
      let positive = (values + extra).filter { $0 > 0 }
      let minimum = positive.min() ?? 1
      let maximum = positive.max() ?? 1
      logarithmic = maximum / minimum > 20
      if logarithmic {
        low = pow(10, floor(log10(minimum)))
        high = pow(10, ceil(log10(maximum)))
      } else {
        low = 0
        high = Self.niceStep(maximum * 1.1 / 4) * 4
      }
    }

    /// The smallest 1, 2 or 5 × 10ⁿ step at least `rough`.
    static func niceStep(_ rough: Double) -> Double {
      guard rough > 0 else { return 1 }
      let decade = pow(10, floor(log10(rough)))
      return [1.0, 2, 5, 10].map { $0 * decade }.first { $0 >= rough } ?? 10 * decade
    }

    /// Position in 0...1.
    func fraction(_ value: Double) -> Double {
      if logarithmic {
        guard value > 0 else { return 0 }
        return (log10(value) - log10(low)) / (log10(high) - log10(low))
      }
      return high > low ? (value - low) / (high - low) : 0
    }

    var ticks: [Double] {
      if logarithmic {
        let decades = Int((log10(high) - log10(low)).rounded())
        return (0...decades).map { low * pow(10, Double($0)) }
      }
      return (0...4).map { high * Double($0) / 4 }
    }
  }

  /// Horizontal bars: one per entry at its value, a dashed line at
  /// `reference` (1× on ratio charts), value labels at the bar ends.
  static func bars(
    title: String, subtitle: String, entries: [(label: String, value: Double, color: String)],
    reference: Double? = nil, valueLabel: (Double) -> String = { number($0) }
  ) -> String {
    let labelWidth = min(560, 24 + 7 * (entries.map(\.label.count).max() ?? 10))
    let plotWidth = 460
    let rowHeight = 22
    let top = 62
    let height = top + rowHeight * entries.count + 40
    let width = max(labelWidth + plotWidth + 90, 40 + 7 * (subtitle.count + 12))
    let axis = Axis(values: entries.map(\.value), including: reference.map { [$0] } ?? [])
    func x(_ value: Double) -> Int { labelWidth + Int(axis.fraction(value) * Double(plotWidth)) }
    var out = header(width: width, height: height, title: title)
    out +=
      "<text x=\"10\" y=\"42\" fill=\"#444\">\(escape(subtitle))\(axis.logarithmic ? " — log scale" : "")</text>\n"
    let bottom = top + rowHeight * entries.count
    for tick in axis.ticks {
      out +=
        "<line x1=\"\(x(tick))\" x2=\"\(x(tick))\" y1=\"\(top - 4)\" y2=\"\(bottom)\" stroke=\"#ddd\"/>\n"
      out +=
        "<text x=\"\(x(tick))\" y=\"\(bottom + 16)\" text-anchor=\"middle\" fill=\"#444\">\(number(tick))</text>\n"
    }
    for (index, entry) in entries.enumerated() {
      let y = top + index * rowHeight
      out +=
        "<text x=\"\(labelWidth - 8)\" y=\"\(y + 15)\" text-anchor=\"end\">\(escape(entry.label))</text>\n"
      let end = max(x(entry.value), labelWidth + 1)
      out +=
        "<rect x=\"\(labelWidth)\" y=\"\(y + 3)\" width=\"\(end - labelWidth)\" height=\"15\" fill=\"\(entry.color)\"/>\n"
      out += "<text x=\"\(end + 5)\" y=\"\(y + 15)\">\(escape(valueLabel(entry.value)))</text>\n"
    }
    if let reference {
      out +=
        "<line x1=\"\(x(reference))\" x2=\"\(x(reference))\" y1=\"\(top - 6)\" y2=\"\(bottom)\" stroke=\"#222\" stroke-dasharray=\"4 3\"/>\n"
    }
    return out + "</svg>\n"
  }

  /// One polyline with markers per series; the y axis turns logarithmic when
  /// the values span more than a factor of 20.
  static func lines(
    title: String, xTitle: String, yTitle: String, xLabels: [Double: String] = [:],
    series: [(name: String, points: [(x: Double, y: Double)])]
  ) -> String {
    let left = 80
    let plotWidth = 520
    let plotHeight = 260
    let legendHeight = 18 * series.count
    let width = left + plotWidth + 30
    let height = 50 + plotHeight + 50 + legendHeight
    let xs = series.flatMap { $0.points.map(\.x) }
    let axis = Axis(values: series.flatMap { $0.points.map(\.y) })
    let minX = xs.min() ?? 0
    let maxX = xs.max() ?? 1
    func px(_ x: Double) -> Int {
      left + Int((maxX > minX ? (x - minX) / (maxX - minX) : 0.5) * Double(plotWidth))
    }
    func py(_ y: Double) -> Int { 40 + plotHeight - Int(axis.fraction(y) * Double(plotHeight)) }
    var out = header(
      width: width, height: height, title: title + (axis.logarithmic ? " (log scale)" : ""))
    for tick in axis.ticks {
      out +=
        "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(py(tick))\" y2=\"\(py(tick))\" stroke=\"#ddd\"/>\n"
      out +=
        "<text x=\"\(left - 6)\" y=\"\(py(tick) + 4)\" text-anchor=\"end\">\(number(tick))</text>\n"
    }
    out +=
      "<line x1=\"\(left)\" y1=\"\(40 + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(40 + plotHeight)\" stroke=\"#222\"/>\n"
    out +=
      "<line x1=\"\(left)\" y1=\"40\" x2=\"\(left)\" y2=\"\(40 + plotHeight)\" stroke=\"#222\"/>\n"
    for x in Set(xs).sorted() {
      let label = xLabels[x] ?? number(x)
      out +=
        "<text x=\"\(px(x))\" y=\"\(40 + plotHeight + 16)\" text-anchor=\"middle\">\(escape(label))</text>\n"
    }
    out +=
      "<text x=\"\(left + plotWidth / 2)\" y=\"\(40 + plotHeight + 34)\" text-anchor=\"middle\">\(escape(xTitle))</text>\n"
    out +=
      "<text x=\"14\" y=\"\(40 + plotHeight / 2)\" transform=\"rotate(-90 14 \(40 + plotHeight / 2))\" text-anchor=\"middle\">\(escape(yTitle))</text>\n"
    for (index, entry) in series.enumerated() {
      let color = palette[index % palette.count]
      let points = entry.points.sorted { $0.x < $1.x }.map { (px($0.x), py($0.y)) }
      out +=
        "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.map { "\($0.0),\($0.1)" }.joined(separator: " "))\"/>\n"
      for point in points {
        out += "<circle cx=\"\(point.0)\" cy=\"\(point.1)\" r=\"3\" fill=\"\(color)\"/>\n"
      }
      let legendY = 40 + plotHeight + 50 + 18 * index
      out +=
        "<rect x=\"\(left)\" y=\"\(legendY - 10)\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
      out += "<text x=\"\(left + 18)\" y=\"\(legendY)\">\(escape(entry.name))</text>\n"
    }
    return out + "</svg>\n"
  }

  static func header(width: Int, height: Int, title: String) -> String {
    """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" \
    viewBox="0 0 \(width) \(height)" font-family="sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    <text x="10" y="22" font-size="14" font-weight="bold">\(escape(title))</text>

    """
  }
}
