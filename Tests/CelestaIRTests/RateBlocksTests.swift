import CelestaIR
import XCTest

/// `rate_encode`'s block draws (all cores, four generators per block, jumped to their place in
/// the stream) against drawing the same spikes one after another (the in-order path, taken
/// when progress is reported).
final class RateBlocksTests: XCTestCase {
    func draw(_ p: [Double], steps: Int, seed: UInt32, inOrder: Bool) throws -> (spikes: [Float], after: UInt64) {
        var out = [Float](repeating: -1, count: p.count * steps)
        var rng = PCG64(entropy: [seed])
        try p.withUnsafeBufferPointer { p in
            try out.withUnsafeMutableBufferPointer {
                try SpikeEncoders.rate(probabilities: p, steps: steps, generator: &rng, into: $0, progress: inOrder ? { _, _ in true } : nil)
            }
        }
        return (out, rng.next())
    }

    func testBlocksEqualDrawingInOrder() throws {
        // Sizes around the block length (2048) and its lanes; zeros (no draw), ones, halves,
        // p > 0.5 (drawn on 1 - p), tiny and nearly-one probabilities.
        var state: UInt64 = 12345
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / 9_007_199_254_740_992.0
        }
        for n in [1, 3, 2047, 2048, 2049, 6000] {
            let p: [Double] = (0..<n).map { i in
                switch i % 11 {
                case 0: return 0
                case 1: return 1
                case 2: return 0.5
                case 3: return 1e-300
                case 4: return 1 - 1e-16
                default: return uniform()
                }
            }
            for steps in [1, 2, 7] {
                let blocks = try draw(p, steps: steps, seed: UInt32(n), inOrder: false)
                let ordered = try draw(p, steps: steps, seed: UInt32(n), inOrder: true)
                XCTAssertEqual(blocks.spikes, ordered.spikes, "n \(n), steps \(steps)")
                XCTAssertEqual(blocks.after, ordered.after, "generator after n \(n), steps \(steps)")
                XCTAssertFalse(blocks.spikes.contains(-1))
            }
        }
    }

    func testAllZeroProbabilitiesDrawNothing() throws {
        let r = try draw([Double](repeating: 0, count: 5000), steps: 3, seed: 9, inOrder: false)
        XCTAssertEqual(r.spikes, [Float](repeating: 0, count: 15000))
        var fresh = PCG64(entropy: [9])
        XCTAssertEqual(r.after, fresh.next())
    }

    func testJumpsCompose() {
        var a = PCG64(entropy: [5]), b = a, c = a
        for _ in 0..<777 { _ = a.next() }
        b.apply(b.jump(by: 700))
        b.apply(b.jump(by: 77))
        c.advance(by: 777)
        XCTAssertEqual(b.state, a.state)
        XCTAssertEqual(c.state, a.state)
        let before = a.state
        a.apply(a.jump(by: 0))
        XCTAssertEqual(a.state, before)
    }
}
