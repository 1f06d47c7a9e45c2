import Foundation
import GridplanAnalysis
import Testing

@Suite struct GradeRuleTests {
    @Test func rangesAndBodies() throws {
        let rule = try GradeRule(parsing: "1-3:city, 4:street_office")
        #expect(rule.description == "1-3:city,4:street_office")
        #expect(rule.body(forGrade: 2) == "city")
        #expect(rule.body(forGrade: 4) == "street_office")
        #expect(rule.body(forGrade: 5) == nil)
        #expect(rule.responsibleUnit(forGrade: 4, lead: "110101001002") == "110101001")
        #expect(rule.responsibleUnit(forGrade: 1, lead: "110101001002") == "city")
        #expect(rule.responsibleUnit(forGrade: 4, lead: nil) == nil)
        #expect(
            GradeRule.grade(fromText: "3") == 3 && GradeRule.grade(fromText: "二级") == 2
                && GradeRule.grade(fromText: "4级") == 4)
        #expect(GradeRule.grade(fromText: "arterial") == nil)
    }

    @Test(arguments: ["", "1-3", "0:city", "3-1:city", "1-3:city,3:street_office", "a:city", "2:"])
    func badRulesAreRefused(text: String) {
        #expect(throws: GradeRuleError.self) { try GradeRule(parsing: text) }
    }
}
