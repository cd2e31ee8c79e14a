import CHotpathStacks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@_silgen_name("swift_demangle")
private func swiftDemangle(
    _ mangledName: UnsafePointer<CChar>?,
    _ mangledNameLength: Int,
    _ outputBuffer: UnsafeMutablePointer<CChar>?,
    _ outputBufferSize: UnsafeMutablePointer<Int>?,
    _ flags: UInt32
) -> UnsafeMutablePointer<CChar>?

/// Readable names for Swift symbols: the runtime's demangler, then shortened the way a
/// profile should read (`OrdersController.list(request:context:)`, not the full signature).
public enum SwiftDemangler {
    /// The runtime's full demangling, or nil for a name that is not a Swift symbol.
    public static func demangle(_ mangled: String) -> String? {
        guard mangled.hasPrefix("$s") || mangled.hasPrefix("_$s") || mangled.hasPrefix("$S") else { return nil }
        return mangled.withCString { pointer -> String? in
            guard let output = swiftDemangle(pointer, strlen(pointer), nil, nil, 0) else { return nil }
            defer { free(output) }
            return String(cString: output)
        }
    }

    /// `mangled` demangled and shortened; C and C++ names come back as they are.
    public static func readableName(_ mangled: String) -> String {
        guard let full = demangle(mangled) else { return CPlusPlusDemangler.demangle(mangled) ?? mangled }
        return simplify(full, module: LibraryModules.module(ofMangledName: mangled))
    }

    /// Drops what a reader does not need: compiler prefixes (specialized, partial apply,
    /// resume partial function…), the module qualifier, parameter types (labels stay),
    /// closure signatures, `async`/`throws` and return types.
    public static func simplify(_ full: String, module: String?) -> String {
        var text = Substring(full)
        var changed = true
        while changed {
            changed = false
            for prefix in Self.prefixes where text.hasPrefix(prefix) {
                text = text.dropFirst(prefix.count)
                changed = true
            }
            // "generic specialization <…> of …", "function signature specialization <…> of …"
            for kind in ["generic specialization <", "function signature specialization <", "generic partial specialization <"]
            where text.hasPrefix(kind) {
                let open = text.index(text.startIndex, offsetBy: kind.count - 1)
                if let close = matchingBracket(in: text, from: open), text[text.index(after: close)...].hasPrefix(" of ") {
                    text = text[text.index(close, offsetBy: 5)...]
                    changed = true
                }
            }
            // "(1) await resume partial function for …", "(2) suspend resume partial function for …"
            if text.hasPrefix("("), let marker = text.firstRange(of: " resume partial function for "),
                text[..<marker.lowerBound].hasSuffix(" await") || text[..<marker.lowerBound].hasSuffix(" suspend")
            {
                text = text[marker.upperBound...]
                changed = true
            }
        }
        var result = shorten(privateNamesUnwrapped(String(text)))
        for qualifier in [module, "Swift", "_Concurrency"].compactMap({ $0 }) where !qualifier.isEmpty {
            result = result.replacing(qualifier + ".", with: "")
        }
        for prefix in Self.prefixes { result = result.replacing(" in " + prefix, with: " in ") }
        return result
    }

    /// `Routes.(customerName in _EFF83A1F…)(_:)` → `Routes.customerName(_:)`: a private or
    /// fileprivate declaration is demangled with its file's discriminator in parentheses, which
    /// would otherwise read as the parameter list (and lose the function's name).
    static func privateNamesUnwrapped(_ name: String) -> String {
        guard name.contains(" in _") else { return name }
        var output = ""
        var rest = Substring(name)
        while let open = rest.firstIndex(of: "(") {
            output += rest[..<open]
            let inside = rest[rest.index(after: open)...]
            if let close = inside.firstIndex(of: ")"), let marker = inside[..<close].firstRange(of: " in _") {
                let identifier = inside[..<marker.lowerBound]
                let discriminator = inside[marker.upperBound..<close]
                let isIdentifier = !identifier.isEmpty && identifier.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "`" }
                if isIdentifier, !discriminator.isEmpty, discriminator.allSatisfy({ $0.isHexDigit }) {
                    output += identifier
                    rest = inside[inside.index(after: close)...]
                    continue
                }
            }
            output.append("(")
            rest = inside
        }
        return output + rest
    }

    private static let prefixes = [
        "specialized ", "partial apply forwarder for ", "partial apply for ", "merged ", "static ",
        "reabstraction thunk helper from ", "thunk for ", "dispatch thunk of ", "protocol witness for ",
    ]

    /// Closures keep their number and enclosing function; functions keep their labels.
    private static func shorten(_ name: String) -> String {
        for closure in ["implicit closure #", "closure #"] where name.hasPrefix(closure) {
            // "closure #1 (A) -> B in f(x: Int)" → "closure #1 in f(x:)"
            guard let inRange = topLevelRange(of: " in ", in: name) else { return name }
            let words = name[..<inRange.lowerBound].split(separator: " ")
            let label = words.prefix(closure == "closure #" ? 2 : 3).joined(separator: " ")
            return label + " in " + shorten(String(name[inRange.upperBound...]))
        }
        var output = ""
        var depth = 0
        var index = name.startIndex
        while index < name.endIndex {
            let character = name[index]
            if depth == 0, character == "(" {
                guard let close = matchingParenthesis(in: name, from: index) else { return name }
                output += "(" + labels(String(name[name.index(after: index)..<close])) + ")"
                // Whatever follows the parameter list (effects, return type) is dropped, except an
                // accessor or a nested "in".
                return output
            }
            if depth == 0, name[index...].hasPrefix(" : ") { return output }
            // Generic clauses (`<A, B where B1: Error>`) are dropped from names.
            if character == "<" {
                depth += 1
            } else if character == ">", depth > 0, name[..<index].last != "-" {
                depth -= 1
            } else if depth == 0 {
                output.append(character)
            }
            index = name.index(after: index)
        }
        return output
    }

    /// "_: Swift.Int, queries: Swift.Int" → "_:queries:"
    private static func labels(_ parameters: String) -> String {
        guard !parameters.isEmpty else { return "" }
        var result = ""
        var depth = 0
        var current = ""
        var previous: Character = " "
        func flush() {
            let trimmed = current.drop { $0 == " " }
            if let colon = trimmed.firstIndex(of: ":"), !trimmed[..<colon].contains(where: { "(<[ ".contains($0) }) {
                result += trimmed[..<colon] + ":"
            } else {
                result += "_:"
            }
            current = ""
        }
        for character in parameters {
            if "(<[".contains(character) { depth += 1 }
            if ")]".contains(character) || character == ">" && previous != "-" { depth -= 1 }
            previous = character
            if character == ",", depth == 0 {
                flush()
            } else {
                current.append(character)
            }
        }
        flush()
        return result
    }

    /// The `>` closing the `<` at `open`; arrows (`->`) are not brackets.
    private static func matchingBracket(in text: Substring, from open: Substring.Index) -> Substring.Index? {
        var depth = 0
        var index = open
        var previous: Character = " "
        while index < text.endIndex {
            let character = text[index]
            if character == "<" { depth += 1 }
            if character == ">", previous != "-" {
                depth -= 1
                if depth == 0 { return index }
            }
            previous = character
            index = text.index(after: index)
        }
        return nil
    }

    private static func matchingParenthesis(in text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var index = open
        while index < text.endIndex {
            if text[index] == "(" { depth += 1 }
            if text[index] == ")" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func topLevelRange(of needle: String, in text: String) -> Range<String.Index>? {
        var depth = 0
        var index = text.startIndex
        var previous: Character = " "
        while index < text.endIndex {
            let character = text[index]
            if "(<[".contains(character) { depth += 1 }
            if ")]".contains(character) || character == ">" && previous != "-" { depth -= 1 }
            previous = character
            if depth == 0, text[index...].hasPrefix(needle) {
                return index..<text.index(index, offsetBy: needle.count)
            }
            index = text.index(after: index)
        }
        return nil
    }
}

/// C++ names (the Swift runtime's own frames) through libstdc++'s demangler, without
/// parameter lists: `swift::runJobInEstablishedExecutorContext`.
enum CPlusPlusDemangler {
    static func demangle(_ mangled: String) -> String? {
        guard mangled.hasPrefix("_Z"), let output = hotpath_demangle_cplusplus(mangled) else { return nil }
        defer { free(output) }
        let full = String(cString: output)
        return full.firstIndex(of: "(").map { String(full[..<$0]) } ?? full
    }
}
