import Testing
@testable import GridplanInputs

@Suite struct InputReferenceTests {
    let existing: Set<String> = ["a.geojson", "odd@name.geojson", "communities"]

    func parse(_ s: String) -> InputReference { InputReference(parsing: s) { existing.contains($0) } }

    @Test func plainNamesAreNotSplit() {
        #expect(parse("a.geojson") == InputReference(name: "a.geojson"))
        #expect(parse("odd@name.geojson") == InputReference(name: "odd@name.geojson"))
        #expect(parse("missing.geojson") == InputReference(name: "missing.geojson"))
    }

    @Test func aCRSAfterTheFirstExistingPrefix() {
        #expect(parse("a.geojson@gcj02") == InputReference(name: "a.geojson", declaredCRS: "gcj02"))
        #expect(parse("odd@name.geojson@bd09") == InputReference(name: "odd@name.geojson", declaredCRS: "bd09"))
        #expect(parse("communities@EPSG:4490") == InputReference(name: "communities", declaredCRS: "EPSG:4490"))
        // A PROJ string may hold an @ of its own.
        #expect(
            parse("a.geojson@+proj=longlat +nadgrids=@null")
                == InputReference(name: "a.geojson", declaredCRS: "+proj=longlat +nadgrids=@null"))
    }

    @Test func aMissingFileKeepsItsNameForTheError() {
        #expect(parse("gone.geojson@gcj02") == InputReference(name: "gone.geojson", declaredCRS: "gcj02"))
    }
}
