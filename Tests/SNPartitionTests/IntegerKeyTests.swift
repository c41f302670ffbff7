import SNPartition
import Testing

/// Integer keys route by value, whatever their declared width. The golden
/// hashes are XXH64 (routing seed v1) of the value's 8 little-endian bytes,
/// computed independently (a Python transcription of the XXH64 reference);
/// a change here is a breaking change of placement, never a test to update.
@Suite("Integer keys widen to 64 bits")
struct IntegerKeyTests {
  static let golden: [(value: Int64, hash: UInt64)] = [
    (0, 0x9F2D_8F73_605E_18BC), (7, 0xB877_5D14_5AD2_938E), (300, 0xC9AD_7064_5D47_9E5F),
    (-1, 0x65DA_EC43_130E_4C9D),
  ]

  @Test("Int keys keep their golden hashes (unchanged routing)")
  func intGolden() {
    let hasher = KeyHasher.default
    for (value, hash) in Self.golden {
      #expect(hasher.hash(Int(value)) == hash, "\(value)")
      #expect(hasher.hash(value) == hash, "\(value) as Int64")
    }
    #expect(hasher.hash(UInt(7)) == 0xB877_5D14_5AD2_938E)
    #expect(hasher.hash(UInt64.max) == 0x65DA_EC43_130E_4C9D)
    #expect(hasher.hash(1 << 40) == 0x831A_98CB_6D6F_783B)
  }

  @Test("every integer width hashes as 64 bits: signed sign-extended, unsigned zero-extended")
  func everyWidth() {
    let hasher = KeyHasher.default
    let seven: UInt64 = 0xB877_5D14_5AD2_938E
    #expect(hasher.hash(7 as Int8) == seven)
    #expect(hasher.hash(7 as Int16) == seven)
    #expect(hasher.hash(7 as Int32) == seven)
    #expect(hasher.hash(7 as UInt8) == seven)
    #expect(hasher.hash(7 as UInt16) == seven)
    #expect(hasher.hash(7 as UInt32) == seven)
    #expect(hasher.hash(7 as UInt64) == seven)
    let minusOne: UInt64 = 0x65DA_EC43_130E_4C9D
    #expect(hasher.hash(-1 as Int8) == minusOne)
    #expect(hasher.hash(-1 as Int16) == minusOne)
    #expect(hasher.hash(-1 as Int32) == minusOne)
    // Zero-extended: 255 as UInt8 is the value 255, not the pattern of -1.
    #expect(hasher.hash(255 as UInt8) == hasher.hash(255 as Int))
    #expect(hasher.hash(UInt32.max) == hasher.hash(Int(UInt32.max)))
    #expect(hasher.hash(Int32.min) == hasher.hash(Int(Int32.min)))
    #expect(hasher.hash(300 as UInt16) == 0xC9AD_7064_5D47_9E5F)
  }

  @Test("an integer key reaches the same worker at every width")
  func sameWorker() throws {
    let partitioner = try HashPartitioner(workers: 7)
    let hasher = partitioner.keyHasher
    for value in [0, 1, 7, 42, 300, -5, 32_767] {
      let expected = partitioner.worker(forKeyHash: hasher.hash(value))
      #expect(partitioner.worker(forKeyHash: hasher.hash(Int32(value))) == expected)
      #expect(partitioner.worker(forKeyHash: hasher.hash(Int16(value))) == expected)
      #expect(partitioner.worker(forKeyHash: hasher.hash(Int64(value))) == expected)
    }
  }
}
