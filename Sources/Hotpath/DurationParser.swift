/// The scanner behind ``DurationText/parse(_:)``, kept separate so the budget parser can
/// turn its precise problems into budget-specific messages.
enum DurationParser {
    /// What was wrong with a duration, before it is worded for a particular context.
    enum Problem: Error, Equatable, Sendable {
        case empty
        case negative
        case missingNumber
        case malformedNumber(String)
        case missingUnit(String)
        case unknownUnit(String)
        case exponent
        case tooLong
    }

    /// Nanoseconds per accepted unit spelling (matched after lowercasing).
    /// Both the micro sign (U+00B5) and the Greek mu (U+03BC) are accepted for `µs`
    /// because keyboards and copy-paste produce either.
    static let nanosecondsPerUnit: [String: Double] = [
        "ns": 1,
        "us": 1e3, "\u{00B5}s": 1e3, "\u{03BC}s": 1e3,
        "ms": 1e6,
        "s": 1e9, "sec": 1e9, "secs": 1e9,
        "m": 60e9, "min": 60e9, "mins": 60e9,
        "h": 3600e9, "hr": 3600e9, "hrs": 3600e9,
    ]

    /// The 30-day limit in nanoseconds.
    static let limitNanoseconds: Double = 30 * 24 * 3600 * 1e9

    /// Reads `text` as a sum of `<number><unit>` parts, or a single bare number in `bareNumberUnit`.
    /// The result is in nanoseconds, finite, and within 0...30 days.
    static func nanoseconds(in text: String, bareNumberUnit: DurationText.Unit) -> Result<Double, Problem> {
        let characters = Array(text.trimmingWhitespace())
        guard let first = characters.first else { return .failure(.empty) }
        if first == "-" { return .failure(.negative) }

        var index = 0
        var total = 0.0
        var parts = 0
        func skipWhitespace() {
            while index < characters.count, characters[index].isWhitespace { index += 1 }
        }
        func isNumberCharacter(_ character: Character) -> Bool {
            (character.isASCII && character.isNumber) || character == "."
        }

        while true {
            skipWhitespace()
            guard index < characters.count else { break }

            let numberStart = index
            while index < characters.count, isNumberCharacter(characters[index]) { index += 1 }
            let numberText = String(characters[numberStart..<index])
            guard !numberText.isEmpty else { return .failure(.missingNumber) }
            guard let value = DecimalText.parseUnsigned(numberText) else {
                return .failure(.malformedNumber(numberText))
            }

            skipWhitespace()
            let unitStart = index
            while index < characters.count,
                  !isNumberCharacter(characters[index]), !characters[index].isWhitespace {
                index += 1
            }
            let unitText = String(characters[unitStart..<index])

            let scale: Double
            if unitText.isEmpty {
                // A bare number is only meaningful on its own: in "1m30" the 30 is ambiguous.
                guard parts == 0, index == characters.count else { return .failure(.missingUnit(numberText)) }
                scale = bareNumberUnit.nanosecondsPerUnit
            } else if let known = nanosecondsPerUnit[unitText.lowercased()] {
                scale = known
            } else {
                let lowered = unitText.lowercased()
                let followedByDigit = index < characters.count && characters[index].isNumber
                if followedByDigit, lowered == "e" || lowered == "e-" || lowered == "e+" {
                    return .failure(.exponent)
                }
                return .failure(.unknownUnit(unitText))
            }

            total += value * scale
            parts += 1
            // Checked per part so a huge first part cannot be hidden by later ones.
            guard total.isFinite, total <= limitNanoseconds else { return .failure(.tooLong) }
        }
        return parts == 0 ? .failure(.empty) : .success(total)
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (Foundation-free `trimmingCharacters`).
    func trimmingWhitespace() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}
