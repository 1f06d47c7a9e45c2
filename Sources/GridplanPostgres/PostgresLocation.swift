import Foundation

/// A store location that names a PostgreSQL database: a libpq URI, `postgresql://user@host:port/db`.
///
/// Everything a user sees of it is `masked`: `description`, `debugDescription` and the mirror
/// that `dump` and test failures print all hide the password.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The URI as given (scheme lowercased), password included: hand it to libpq, print `masked`.
    public let uri: String

    /// Recognises `location` as a PostgreSQL URI; nil for anything else (a GeoPackage path).
    /// - Parameter location: a store location from the command line or a configuration.
    public init?(_ location: String) {
        guard let scheme = Self.scheme(of: location) else { return nil }
        // libpq accepts only the lowercase schemes; `PostgreSQL://` is plainly meant as one.
        uri = scheme.lowercased() + location.dropFirst(scheme.count)
    }

    /// Whether `location` is a PostgreSQL URI (`postgresql://` or `postgres://`), not a path.
    public static func isPostgres(_ location: String) -> Bool { scheme(of: location) != nil }

    private static func scheme(of location: String) -> String? {
        for scheme in ["postgresql://", "postgres://"] where location.prefix(scheme.count).lowercased() == scheme {
            return String(location.prefix(scheme.count))
        }
        return nil
    }

    /// The URI with any password (in the user info or a `password=` parameter) replaced by `***`.
    public var masked: String { Redaction.masked(uri) }

    public var description: String { masked }
    public var debugDescription: String { "PostgresLocation(\(masked))" }
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked]) }

    /// `text` with every password it shows masked: in PostgreSQL URIs, conninfo `password=…`
    /// values and SQL `PASSWORD '…'` literals.
    /// - Parameter text: a message, a location or a statement.
    public static func masking(_ text: String) -> String { Redaction.masked(text) }
}

/// Finding and hiding passwords in text.
///
/// When the shape of the text is ambiguous (an unescaped `@` or `'` in a password), the mask
/// takes more rather than less: hiding a host name by mistake is better than showing a secret.
enum Redaction {
    static let mask = "***"

    /// `text` with the passwords of every URI, conninfo `password=` and SQL `PASSWORD '…'` in it masked.
    static func masked(_ text: String) -> String {
        var out = ""
        var rest = text[...]
        while let start = uriStart(in: rest) {
            out += maskedKeywords(rest[..<start])
            // A URI cannot hold a raw space, so it ends at the first one.
            let end = rest[start...].firstIndex(where: \.isWhitespace) ?? rest.endIndex
            out += maskedURI(rest[start..<end])
            rest = rest[end...]
        }
        return out + maskedKeywords(rest)
    }

    /// `text` masked as `masked(_:)` does, and with each of `secrets` replaced wherever it appears.
    ///
    /// For libpq's connection errors, which can quote a fragment of the conninfo on its own
    /// (`invalid percent-encoded token: "…"`), out of any URI shape.
    static func masked(_ text: String, secrets: [String]) -> String {
        var s = masked(text)
        for secret in Set(secrets).filter({ !$0.isEmpty }).sorted(by: { $0.count > $1.count }) {
            s = s.replacingOccurrences(of: secret, with: mask)
        }
        return s
    }

    /// The password in a URI or conninfo string, in each form a message might quote it:
    /// raw, percent-decoded, and the pieces a stray URI delimiter in it would cut it into.
    static func secrets(in location: String) -> [String] {
        var found: [String] = []
        if uriStart(in: location[...]) != nil {
            let (userPassword, queryPasswords) = uriPasswords(location[...])
            found += ([userPassword].compactMap { $0 } + queryPasswords).map(String.init)
        } else {
            found += keywordPasswords(location[...])
            // `passwordXYZ` with its `=` forgotten: libpq quotes the whole token back.
            for token in location.split(whereSeparator: \.isWhitespace)
            where token.lowercased().hasPrefix("password") && !token.contains("=") && token.count > "password".count {
                found += [String(token), String(token.dropFirst("password".count))]
            }
        }
        var forms: [String] = []
        for secret in found {
            forms.append(secret)
            if let decoded = secret.removingPercentEncoding { forms.append(decoded) }
            // Single characters are left: masking every "a" in a message would hide it all.
            forms += secret.split(whereSeparator: { ":/@?#&,[]=".contains($0) }).map(String.init).filter {
                $0.count > 1
            }
        }
        return forms
    }

    /// PGPASSWORD, which libpq reads when the location has no password.
    static func environmentSecrets() -> [String] {
        ProcessInfo.processInfo.environment["PGPASSWORD"].map { [$0] } ?? []
    }

    private static func uriStart(in text: Substring) -> Substring.Index? {
        var from = text.startIndex
        while let r = text.range(of: "postgres", options: .caseInsensitive, range: from..<text.endIndex) {
            let tail = text[r.upperBound...]
            if tail.hasPrefix("://") || tail.prefix(5).lowercased() == "ql://" { return r.lowerBound }
            from = r.upperBound  // "postgres" as a user or database name, not a scheme
        }
        return nil
    }

    /// The password in a URI's user info (up to the last `@`, the widest reading) and in its
    /// `password=` query parameters.
    private static func uriPasswords(_ uri: Substring) -> (Substring?, [Substring]) {
        guard let schemeEnd = uri.range(of: "://")?.upperBound else { return (nil, []) }
        var user: Substring?
        var afterUser = schemeEnd
        if let at = uri[schemeEnd...].lastIndex(of: "@") {
            afterUser = uri.index(after: at)
            if let colon = uri[schemeEnd..<at].firstIndex(of: ":") { user = uri[uri.index(after: colon)..<at] }
        }
        var query: [Substring] = []
        if let q = uri[afterUser...].firstIndex(of: "?") {
            let params = uri[uri.index(after: q)...].prefix { $0 != "#" }
            for param in params.split(separator: "&") where param.lowercased().hasPrefix("password=") {
                query.append(param.dropFirst("password=".count))
            }
        }
        return (user, query)
    }

    private static func maskedURI(_ uri: Substring) -> String {
        guard let schemeEnd = uri.range(of: "://")?.upperBound else { return String(uri) }
        var out = String(uri[..<schemeEnd])
        var afterUser = schemeEnd
        if let at = uri[schemeEnd...].lastIndex(of: "@") {
            let info = uri[schemeEnd..<at]
            if let colon = info.firstIndex(of: ":") {
                out += uri[schemeEnd...colon] + mask + "@"
            } else {
                out += info + "@"
            }
            afterUser = uri.index(after: at)
        }
        guard let q = uri[afterUser...].firstIndex(of: "?") else { return out + uri[afterUser...] }
        out += uri[afterUser...q]
        let params = uri[uri.index(after: q)...]
        out += params.split(separator: "&", omittingEmptySubsequences: false).map { param in
            param.lowercased().hasPrefix("password=") ? "password=" + mask : String(param)
        }.joined(separator: "&")
        return out
    }

    /// conninfo `password=value` / `password='quoted value'` and SQL `PASSWORD 'literal'`, masked.
    private static func maskedKeywords(_ text: Substring) -> String {
        var out = ""
        var rest = text
        while let (valueRange, keywordEnd) = nextKeywordValue(in: rest) {
            out += rest[..<keywordEnd]
            out += rest[keywordEnd..<valueRange.lowerBound] + mask
            rest = rest[valueRange.upperBound...]
        }
        return out + rest
    }

    /// The passwords of a conninfo string's `password=` keywords, unquoted.
    private static func keywordPasswords(_ text: Substring) -> [String] {
        var found: [String] = []
        var rest = text
        while let (valueRange, _) = nextKeywordValue(in: rest) {
            var value = rest[valueRange]
            if value.hasPrefix("'") { value = value.dropFirst() }
            if value.hasSuffix("'") { value = value.dropLast() }
            found.append(String(value))
            found.append(value.replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\\", with: "\\"))
            rest = rest[valueRange.upperBound...]
        }
        return found
    }

    /// The next password value after a `password` keyword: its range, and where the keyword ends.
    ///
    /// After `password`, either `=` then a value (conninfo), or a quoted literal (SQL). A
    /// quoted value ends at a lone `'`; both `\'` (conninfo) and `''` (SQL) continue it, and an
    /// unclosed quote runs to the end. An unquoted value ends at white space.
    private static func nextKeywordValue(in text: Substring) -> (Range<Substring.Index>, Substring.Index)? {
        var searchFrom = text.startIndex
        while let r = text.range(of: "password", options: .caseInsensitive, range: searchFrom..<text.endIndex) {
            searchFrom = r.upperBound
            // Not the start of a longer word ("passwords", "password_encryption"); a longer
            // start ("PGPASSWORD=") still counts.
            if r.upperBound < text.endIndex, isWordCharacter(text[r.upperBound]) { continue }
            var i = skipSpaces(text, from: r.upperBound)
            var afterEquals = false
            if i < text.endIndex, text[i] == "=" {
                i = skipSpaces(text, from: text.index(after: i))
                afterEquals = true
            } else if i < text.endIndex, text[i] == "E" || text[i] == "e", text.index(after: i) < text.endIndex,
                text[text.index(after: i)] == "'"
            {
                i = text.index(after: i)  // SQL escape-string literal E'…'
            }
            guard i < text.endIndex else { return nil }
            if text[i] == "'" {
                return (i..<quotedEnd(text, openingAt: i), r.upperBound)
            }
            guard afterEquals else { continue }
            let end = text[i...].firstIndex(where: \.isWhitespace) ?? text.endIndex
            return (i..<end, r.upperBound)
        }
        return nil
    }

    private static func quotedEnd(_ text: Substring, openingAt open: Substring.Index) -> Substring.Index {
        var i = text.index(after: open)
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "\\" {
                i = next < text.endIndex ? text.index(after: next) : next
            } else if c == "'" {
                if next < text.endIndex, text[next] == "'" {
                    i = text.index(after: next)
                    continue
                }
                return next
            } else {
                i = next
            }
        }
        return text.endIndex
    }

    private static func skipSpaces(_ text: Substring, from: Substring.Index) -> Substring.Index {
        text[from...].firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
    }

    private static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
}
