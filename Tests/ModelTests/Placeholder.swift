import Testing

@Test func ModelTestsBuilds() { #expect(Bool(true)) }
