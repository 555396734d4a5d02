import Testing

@Test func GGUFTestsBuilds() { #expect(Bool(true)) }
