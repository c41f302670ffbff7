import SNPartition
import Testing

/// The byte pattern the reference vectors were computed over: byte i is (7·i + 3) mod 256.
func patternBytes(_ count: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
}

@Suite("Stable hashers match their reference outputs")
struct HasherVectorTests {
  /// (length, XXH64 seed 0, XXH64 routingSeedV1, XXH3-64 seed 0, XXH3-64 routingSeedV1),
  /// from the reference xxHash library (python-xxhash 3.x/4.x, which wraps it).
  /// The lengths cover every code path: 0, 1–3, 4–8, 9–16, 17–128, 129–240, long,
  /// and several block boundaries of the long path.
  static let xxVectors: [(Int, UInt64, UInt64, UInt64, UInt64)] = [
    (0, 0xEF46DB3751D8E999, 0xA1B5BCD90F176CDF, 0x2D06800538D394C2, 0x8BDF9A4BCF6507C9),
    (1, 0x1F25C8D0BC1F4BB6, 0x26A339515F8147F9, 0x13E608BC156DEFED, 0x8722233EAC3EEE60),
    (2, 0xF5BEDEC232706303, 0x123BDA296E7FF379, 0x1C9074B93943B86C, 0x83D243FC86DC4DB7),
    (3, 0x31D2363F52E564C9, 0x4BE73AA50FA31FAD, 0xA9088DDA485B481C, 0x752787C526CD4522),
    (4, 0x9BB64B7D66EE9FDA, 0x174B00B76BF0F5D7, 0x6D9253B16C8B1ED3, 0x456D873639877B70),
    (5, 0xC7608EFDDB7051FE, 0x377E8CE982AF5B1A, 0x998620E10E3A4B37, 0x0AC00D9E5F9483B9),
    (8, 0xDAB99D95C6F90092, 0xB6DF9BE97B56A1BA, 0x60539DB630471163, 0xE016DB08A5D3AD21),
    (9, 0x170BB6BF975B4C02, 0xA99F50CEABA578D9, 0xFEFF668361D723A8, 0xA3DF1E633DB5A7D3),
    (15, 0x1B47CB8243CC8E32, 0x22413B0D3BB86C3D, 0x9EC169F4A98231C1, 0x1069552F805CC43E),
    (16, 0x434850232B787BE2, 0xA3721044E2483147, 0xB8C859B0F030B585, 0x4E755CD6C881C009),
    (17, 0x1EFA7025F1B97A7A, 0x312F5722F0EA668B, 0x714A04408E79B80F, 0x5F6D0C9DAAD6E6E5),
    (31, 0xA2AA5F33CC4A6119, 0xCFF979DE0D2B7F55, 0xED41AC283D0674B3, 0xF84FCFBECA015DEF),
    (32, 0x23C3C17EF790FD97, 0xDAC464751D789C5D, 0x19FF4EE1D6BA1A55, 0x103AAF6079346680),
    (33, 0x50A7CFC7BA588784, 0x0D38D7C86D91A7C3, 0x3E44983AD21679C8, 0x6E553088BF2C46EA),
    (63, 0x5E3E54B431C7493C, 0xED6ABA106AD46304, 0x1353BEA3D0EBF7E1, 0x0E5D8A7FC6BD7938),
    (64, 0x0EB64B3EF6EEB01F, 0xE9215BDE57BFC286, 0x287EB1FA9E4BE2C1, 0xBAE5DAE7A2FCC811),
    (65, 0xA383B724B2BD12F1, 0x2FFDDB404BECF089, 0x829218DE4D798646, 0x29967E08DAAEDF88),
    (96, 0x3101A958DE582E18, 0x4ECDB43DCF7C6F46, 0xF084E7CFBC624743, 0x0A6B7A7233712610),
    (97, 0xB2B3F9902EC2EFBD, 0x825C7268CA6FDBDE, 0x1DAA83271A8E7B7C, 0xEC6BF7C7C72B8117),
    (127, 0x0C2B3713C3EDBEB3, 0xAA79E813ACF07C92, 0x998FA0631FD78D0B, 0xAC79676505940F16),
    (128, 0x46FBCFBF0150793F, 0x42FB862DC2D2290F, 0x67425A03650261BF, 0xE79D567E2393C431),
    (129, 0x3EB5D118151C8303, 0x6CBEE31D44F9163D, 0xC664BF3311C6ABC4, 0x0D029BBDA58B5D49),
    (200, 0xA6CB3C09BC829B24, 0x882C9FB3028730C6, 0x746CD0025327BF5B, 0x26DF0CB3B6DA7851),
    (239, 0x641637C9DB57F1F2, 0xDF6F2331AAEAE290, 0x1D861931C1F3CAFA, 0x7B852C5DB6CC3E76),
    (240, 0x42562F61EF11B5AE, 0xC3BFC2D7FA196188, 0x64556DC6B462A6CF, 0x2FFB80DAA234DEF3),
    (241, 0x07CF94F8EBA111B5, 0xDC9F59EF85EDD74B, 0x8BEADD3A8874FE17, 0xAC4ADF114BB0FA17),
    (255, 0x39AE55A29989206F, 0x59ED5AE2196F163D, 0xB67B6637A76E6C39, 0x0E6128815DFCA5B5),
    (256, 0x00CFC5207DD8E201, 0x688811C6C26AC93A, 0x3C38817F6D79C0DA, 0xEB6B65B39C6C78CF),
    (500, 0x5CAD27AD1DFB069B, 0x06005F6FD47E7519, 0xB8BC3E5683CE226A, 0xAF62695DB9494E39),
    (1023, 0x349C9611DD290DA2, 0x5FD567550C9581E8, 0xD26986A0B85DCC44, 0xC5A4DB0BCA8DED5C),
    (1024, 0xE6816A6E134B7A33, 0x9D2CE9BE4FBB4E4B, 0x9B81661C641C72B1, 0x03C7875206B03040),
    (1025, 0x6385E21250A735CA, 0x4286D0F76044FEEE, 0x806C2072ED713576, 0x97703A0F0E40E71B),
    (2048, 0x63071ECFF231EB40, 0x9EA9118B7ABC79B4, 0xABE604813BA62ED1, 0xFBCC347E035ECE23),
    (3000, 0x5F58B024B3628A2C, 0x43651875C7D4D5F0, 0xC89178BB873C6B3D, 0xF160C19CA15C491E),
  ]

  @Test("XXH64 and XXH3-64, seed 0 and the routing seed, every length class")
  func xxhashVectors() {
    for (length, xxh64Zero, xxh64Routing, xxh3Zero, xxh3Routing) in Self.xxVectors {
      let bytes = patternBytes(length)
      bytes.withUnsafeBytes { raw in
        #expect(StableHash.xxh64(raw, seed: 0) == xxh64Zero, "xxh64 len \(length)")
        #expect(StableHash.xxh64(raw, seed: KeyHasher.routingSeedV1) == xxh64Routing)
        #expect(StableHash.xxh3(raw, seed: 0) == xxh3Zero, "xxh3 len \(length)")
        #expect(StableHash.xxh3(raw, seed: KeyHasher.routingSeedV1) == xxh3Routing, "\(length)")
      }
      #expect(KeyHasher.xxh64.hash(bytes) == xxh64Routing)
      #expect(KeyHasher.xxh3.hash(bytes) == xxh3Routing)
    }
  }

  @Test("XXH64's 8-byte path (integer keys) equals the general one")
  func xxh64EightByteKeys() {
    var generator = SystemRandomNumberGenerator()
    let words: [UInt64] =
      [0, 1, .max, 0x0123_4567_89AB_CDEF] + (0..<500).map { _ in generator.next() }
    for seed: UInt64 in [0, KeyHasher.routingSeedV1, 0xDEAD_BEEF] {
      let hasher = KeyHasher.xxh64(seed: seed)
      for word in words {
        let general = withUnsafeBytes(of: word.littleEndian) { StableHash.xxh64($0, seed: seed) }
        #expect(hasher.hash(word) == general)
        #expect(hasher.hash(Int(bitPattern: UInt(word))) == general)
      }
    }
  }

  @Test("XXH64 on the xxHash project's well-known strings")
  func xxh64Strings() {
    #expect(KeyHasher.xxh64(seed: 0).hash("") == 0xEF46_DB37_51D8_E999)
    #expect(KeyHasher.xxh64(seed: 0).hash("a") == 0xD24E_C4F1_A98C_6E5B)
    #expect(KeyHasher.xxh64(seed: 0).hash("abc") == 0x44BC_2CF5_AD77_0999)
  }

  /// (length, SipHash-1-3, SipHash-2-4) for key 00 01 … 0f and message 00 01 … (length-1),
  /// the layout of the SipHash paper's test vectors. The 2-4 column equals the
  /// paper's published vectors; the 1-3 column is from the `siphash24` Python package.
  static let sipVectors: [(Int, UInt64, UInt64)] = [
    (0, 0xABAC0158050FC4DC, 0x726FDB47DD0E0E31),
    (1, 0xC9F49BF37D57CA93, 0x74F839C593DC67FD),
    (7, 0xD3927D989BB11140, 0xAB0200F58B01D137),
    (8, 0x369095118D299A8E, 0x93F5F5799A932462),
    (9, 0x25A48EB36C063DE4, 0x9E0082DF0BA9E4B0),
    (15, 0xD320D86D2A519956, 0xA129CA6149BE45E5),
    (16, 0xCC4FDD1A7D908B66, 0x3F2ACC7F57C29BDB),
    (17, 0x9CF2689063DBD80C, 0x699AE9F52CBE4794),
    (63, 0x9D199062B7BBB3A8, 0x958A324CEB064572),
    (64, 0xF17997EC4B4A6065, 0xACD2C40B8502CAD8),
  ]

  @Test("SipHash-1-3 and SipHash-2-4 with the reference key")
  func sipHashVectors() {
    let key0: UInt64 = 0x0706_0504_0302_0100
    let key1: UInt64 = 0x0F0E_0D0C_0B0A_0908
    for (length, sip13, sip24) in Self.sipVectors {
      let message = (0..<length).map { UInt8($0) }
      message.withUnsafeBytes { raw in
        #expect(StableHash.sipHash(raw, key0: key0, key1: key1) == sip13, "1-3 len \(length)")
        let full = StableHash.sipHash(
          raw, key0: key0, key1: key1, compressionRounds: 2, finalizationRounds: 4)
        #expect(full == sip24, "2-4 len \(length)")
      }
      #expect(KeyHasher.sipHash13(key0: key0, key1: key1).hash(message) == sip13)
    }
  }

  @Test("Kafka murmur2 matches Kafka's own test vectors")
  func kafkaMurmur2() {
    // From Kafka's UtilsTest: murmur2 of the UTF-8 bytes.
    let cases: [(String, Int32)] = [
      ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
      ("a-little-bit-longer-string", -1_486_304_829),
      ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
    ]
    for (key, expected) in cases {
      let value = key.withStableBytes { StableHash.kafkaMurmur2($0) }
      #expect(value == expected, "\(key)")
      #expect(
        KeyHasher.kafkaMurmur2.hash(key) == UInt64(UInt32(bitPattern: expected) & 0x7FFF_FFFF))
    }
  }

  @Test("Key types feed their documented bytes")
  func keyBytes() {
    let hasher = KeyHasher.xxh64
    #expect(hasher.hash(42 as Int) == hasher.hash(42 as Int64))
    #expect(hasher.hash(42 as UInt) == hasher.hash([42, 0, 0, 0, 0, 0, 0, 0] as [UInt8]))
    #expect(hasher.hash(0x0102 as UInt16) == hasher.hash([2, 1, 0, 0, 0, 0, 0, 0] as [UInt8]))
    #expect(hasher.hash("héllo") == hasher.hash(Array("héllo".utf8)))
    let text = "xx-héllo-yy"
    let slice = text.dropFirst(3).dropLast(3)
    #expect(hasher.hash(slice) == hasher.hash("héllo"))
    #expect(hasher.hash(Array("abc".utf8)[...]) == hasher.hash("abc"))
    #expect(hasher.hash(ContiguousArray("abc".utf8)) == hasher.hash("abc"))
    #expect(hasher.hash(-1 as Int32) == hasher.hash([UInt8](repeating: 0xFF, count: 8)))
  }

  @Test("Different seeds and algorithms give different routing hashes")
  func seedsMatter() {
    let key = "order-1234"
    let values: Set<UInt64> = [
      KeyHasher.xxh64.hash(key), KeyHasher.xxh64(seed: 1).hash(key), KeyHasher.xxh3.hash(key),
      KeyHasher.sipHash13(key0: 1, key1: 2).hash(key), KeyHasher.kafkaMurmur2.hash(key),
    ]
    #expect(values.count == 5)
    let secret = KeyHasher.sipHash13(key0: 0xDEAD_BEEF, key1: 0xFEED_FACE)
    #expect(!secret.description.contains("dead") && !secret.description.contains("feed"))
  }
}
