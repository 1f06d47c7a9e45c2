import Foundation

/// Leaflet (https://leafletjs.com), the map library the report's page is built on, as Debian's
/// libjs-leaflet installs it. The page inlines its script and style sheet, and the style sheet's
/// images as `data:` URLs, so the report stays one file that opens offline.
///
/// Leaflet is © 2010-2019 Vladimir Agafonkin, © 2010-2011 CloudMade, under the BSD-2-Clause
/// licence; the page carries the notice and the licence beside the inlined script.
public struct Leaflet: Sendable {
    /// Where Debian's libjs-leaflet puts Leaflet.
    public static let debianDirectory = "/usr/share/javascript/leaflet"
    /// The Debian package that installs it.
    public static let debianPackage = "libjs-leaflet"

    /// The script, without its source-map comment (a browser's developer tools would fetch the map).
    public var script: String
    /// The style sheet, its `url(images/…)` references replaced by `data:` URLs.
    public var css: String
    /// The version the script declares (`L.version`).
    public var version: String
    /// The Debian package's version, when dpkg knows it (Debian's 1.7.1~dfsg-7 declares itself 1.6.0).
    public var packageVersion: String?

    /// The licence the page repeats beside the inlined script, as the BSD-2-Clause asks.
    public static let licence = """
        Leaflet, a JavaScript library for interactive maps. https://leafletjs.com
        Copyright (c) 2010-2019, Vladimir Agafonkin
        Copyright (c) 2010-2011, CloudMade
        All rights reserved.

        Redistribution and use in source and binary forms, with or without modification, are
        permitted provided that the following conditions are met:

           1. Redistributions of source code must retain the above copyright notice, this list of
              conditions and the following disclaimer.

           2. Redistributions in binary form must reproduce the above copyright notice, this list
              of conditions and the following disclaimer in the documentation and/or other materials
              provided with the distribution.

        THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND ANY
        EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF
        MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE
        COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
        EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF
        SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION)
        HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR
        TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
        SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
        """

    /// Reads Leaflet from a directory laid out as libjs-leaflet's.
    ///
    /// - Parameter directory: the directory holding `leaflet.min.js`, `leaflet.css` and `images/`.
    /// - Returns: the script, the style sheet with its images inlined, and the versions.
    /// - Throws: ``LeafletError`` naming the missing or unreadable file and the package to install.
    ///
    /// ```swift
    /// let leaflet = try Leaflet.load()
    /// let page = MapReport.html(title: "东城区", layers: layers, tables: [], leaflet: leaflet)
    /// ```
    public static func load(from directory: String = debianDirectory) throws -> Leaflet {
        var script = try text(directory + "/leaflet.min.js")
        if let map = script.range(of: "\n//# sourceMappingURL=", options: .backwards) {
            script.removeSubrange(map.lowerBound...)
        }
        // Both would end the inline element early; Leaflet has neither, but a later build might.
        let lowered = script.lowercased()
        for closing in ["</script", "<!--"] where lowered.contains(closing) {
            throw LeafletError(
                path: directory + "/leaflet.min.js", reason: "it contains \(closing), so cannot be inlined")
        }
        guard let version = declaredVersion(in: script) else {
            throw LeafletError(path: directory + "/leaflet.min.js", reason: "it declares no Leaflet version")
        }
        var css = try text(directory + "/leaflet.css")
        for image in ["layers.png", "layers-2x.png", "marker-icon.png"] {
            let reference = "url(images/\(image))"
            guard css.contains(reference) else { continue }
            let path = directory + "/images/" + image
            guard let bytes = FileManager.default.contents(atPath: path) else {
                throw LeafletError(path: path, reason: "missing or unreadable")
            }
            css = css.replacingOccurrences(
                of: reference, with: "url(data:image/png;base64,\(bytes.base64EncodedString()))")
        }
        if css.lowercased().contains("</style") {
            throw LeafletError(path: directory + "/leaflet.css", reason: "it contains </style, so cannot be inlined")
        }
        return Leaflet(script: script, css: css, version: version, packageVersion: installedPackageVersion())
    }

    static func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LeafletError(path: path, reason: "missing or unreadable")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// `L.version` as the script sets it: `t.version="1.6.0"` minified, `var version = "1.6.0"` not.
    static func declaredVersion(in script: String) -> String? {
        for marker in [".version=\"", "var version = \""] {
            guard let start = script.range(of: marker) else { continue }
            let rest = script[start.upperBound...]
            guard let end = rest.firstIndex(of: "\""), rest.distance(from: rest.startIndex, to: end) <= 20 else {
                continue
            }
            return String(rest[..<end])
        }
        return nil
    }

    /// libjs-leaflet's version from dpkg's status file, or nil where there is no dpkg.
    static func installedPackageVersion(status: String = "/var/lib/dpkg/status") -> String? {
        guard let data = FileManager.default.contents(atPath: status) else { return nil }
        var inPackage = false
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                inPackage = false
            } else if line.hasPrefix("Package: ") {
                inPackage = line.dropFirst("Package: ".count) == debianPackage
            } else if inPackage, line.hasPrefix("Version: ") {
                return String(line.dropFirst("Version: ".count))
            }
        }
        return nil
    }
}

/// Leaflet cannot be read where the report expects it.
public struct LeafletError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public var description: String {
        "Leaflet for the report's map: \(path): \(reason); install Debian's \(Leaflet.debianPackage) "
            + "(apt-get install \(Leaflet.debianPackage), or make deps)"
    }
}
