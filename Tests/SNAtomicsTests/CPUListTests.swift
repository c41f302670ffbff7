import SNAtomics
import Testing

@Suite("CPU lists")
struct CPUListTests {
  @Test(
    "the kernel's list syntax, with golden values",
    arguments: [
      ("", []),
      ("\n", []),
      (" \t\r\n", []),
      ("0", [0]),
      ("0-3,8,10-11\n", [0, 1, 2, 3, 8, 10, 11]),
      ("0-1\r\n", [0, 1]),
      ("0,,1,", [0, 1]),
      ("0 1\t2", [0, 1, 2]),
      ("8,0-3", [0, 1, 2, 3, 8]),
      ("0-3,2-5", [0, 1, 2, 3, 4, 5]),
      ("1,1", [1]),
      ("5-5", [5]),
      ("0-7:2", [0, 2, 4, 6]),
      ("1-7:2", [1, 3, 5, 7]),
      ("0-8:3", [0, 3, 6]),
      ("0-15:2/8", [0, 1, 8, 9]),
      ("0-1023:2/256", [0, 1, 256, 257, 512, 513, 768, 769]),
      ("0-6:4/4", [0, 1, 2, 3, 4, 5, 6]),
      ("4-9:1/1", [4, 5, 6, 7, 8, 9]),
      ("65535", [65535]),
      ("65530-65535:5", [65530, 65535]),
    ] as [(String, [Int])])
  func parses(text: String, expected: [Int]) throws {
    let set = try CPUSet(parsing: text)
    #expect(Array(set) == expected)
    #expect(set.count == expected.count)
    #expect(set.isEmpty == expected.isEmpty)
  }

  @Test(
    "bad lists are typed errors, not traps or silent truncation",
    arguments: [
      ("3-1", CPUListError.reversedRange, 0),
      ("0,9-2", .reversedRange, 2),
      ("-1", .invalidSyntax, 0),
      ("0-", .invalidSyntax, 2),
      ("0x1", .invalidSyntax, 1),
      ("+1", .invalidSyntax, 0),
      ("a-3", .invalidSyntax, 0),
      ("all", .invalidSyntax, 0),
      ("0-N", .invalidSyntax, 2),
      (" 0 - 3 ", .invalidSyntax, 3),
      ("1-2-3", .invalidSyntax, 3),
      ("0-3x", .invalidSyntax, 3),
      ("0:2", .invalidSyntax, 1),
      ("0-7:", .invalidSyntax, 4),
      ("0-7:2/", .invalidSyntax, 6),
      ("0-7:2,", .invalidSyntax, -1),
      ("65536", .valueTooLarge, 0),
      ("0-4294967295", .valueTooLarge, 2),
      ("99999999999999999999999999", .valueTooLarge, 0),
      ("0-7:0", .invalidStride, 4),
      ("0-7:0/2", .invalidStride, 4),
      ("0-7:3/2", .invalidStride, 4),
      ("0-7:1/0", .invalidStride, 4),
    ] as [(String, CPUListError, Int)])
  func rejects(text: String, expected: CPUListError, offset: Int) throws {
    // "0-7:2," is fine (a trailing comma): the -1 marks a case that must parse.
    if offset < 0 {
      #expect(Array(try CPUSet(parsing: text)) == [0, 2, 4, 6])
      return
    }
    let error = try #require(throws: CPUListError.self) { try CPUSet(parsing: text) }
    #expect(error == expected)
    #expect(error.offset == offset)
    #expect(error.description.contains("CPUListError."))
  }

  @Test("the inputs on which SNPool's and SNMemory's old parsers disagreed")
  func formerDisagreements() throws {
    // Old SNPool parser: [0]; old SNMemory parser: [].
    #expect(Array(try CPUSet(parsing: "0-7:2")) == [0, 2, 4, 6])
    // SNPool: [] (it split on commas only); SNMemory: [0, 1].
    #expect(Array(try CPUSet(parsing: "0 1")) == [0, 1])
    // SNPool: [0, 1, 2, 3]; SNMemory: [0, 3]. The kernel rejects it too.
    #expect(throws: CPUListError.invalidSyntax) { try CPUSet(parsing: " 0 - 3 ") }
    // SNPool: [3] (the bad half was dropped); SNMemory: [].
    #expect(throws: CPUListError.invalidSyntax) { try CPUSet(parsing: "a-3") }
    // SNPool: sorted with duplicates; SNMemory: in input order with duplicates.
    #expect(Array(try CPUSet(parsing: "8,0-3,2-5")) == [0, 1, 2, 3, 4, 5, 8])
    // Both: [1] for "-1" and [0] for "0-".
    #expect(throws: CPUListError.invalidSyntax) { try CPUSet(parsing: "-1") }
    #expect(throws: CPUListError.invalidSyntax) { try CPUSet(parsing: "0-") }
  }

  @Test("description is the compact form and parses back to an equal set")
  func roundTrip() throws {
    #expect(CPUSet([0, 1, 2, 3, 8, 10, 11]).description == "0-3,8,10-11")
    #expect(CPUSet().description == "")
    #expect(CPUSet([7]).description == "7")
    #expect(try CPUSet(parsing: "0-15:2/8").description == "0-1,8-9")
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for _ in 0..<200 {
      var ids: [Int] = []
      for _ in 0..<Int(state % 40) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        ids.append(Int(state >> 33) % 300)
      }
      let set = CPUSet(ids)
      #expect(try CPUSet(parsing: set.description) == set)
      #expect(Array(set) == Array(Set(ids)).sorted())
    }
  }

  @Test("set operations keep one canonical form")
  func operations() {
    let low: CPUSet = [0, 1, 2, 64, 65]
    let high: CPUSet = [2, 65, 200]
    #expect(Array(low.union(high)) == [0, 1, 2, 64, 65, 200])
    #expect(Array(high.union(low)) == [0, 1, 2, 64, 65, 200])
    #expect(Array(low.intersection(high)) == [2, 65])
    // An intersection that empties the high words equals a set built small.
    #expect(CPUSet([1, 200]).intersection([1]) == [1])
    #expect(CPUSet([1, 200]).intersection([1]).hashValue == CPUSet([1]).hashValue)
    #expect(CPUSet([300]).intersection([1]) == CPUSet())
    #expect(low.contains(64) && !low.contains(63))
    #expect(!low.contains(-1) && !low.contains(Int.max) && !low.contains(CPUSet.maximumID))
    var set = CPUSet()
    set.insert(CPUSet.maximumID)
    #expect(set.count == 1 && set.contains(CPUSet.maximumID))
  }

  @Test("a number outside 0...maximumID is a programmer error at insert")
  func insertTraps() async {
    await #expect(processExitsWith: .failure) {
      var set = CPUSet()
      set.insert(CPUSet.maximumID + 1)
    }
    await #expect(processExitsWith: .failure) { _ = CPUSet([-1]) }
  }
}
