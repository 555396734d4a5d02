import Testing

@Test func ExplorerTestsBuilds() { #expect(Bool(true)) }
