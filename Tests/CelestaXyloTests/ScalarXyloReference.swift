import CelestaIR
import CelestaXylo
import XCTest

/// A deliberately plain model of the Xylo cores, written from the facts of the reference README
/// (sections 1-2) one neuron and one addition at a time: every event is added `n` times with a
/// saturation after each addition, spikes fire one by one in a loop. The lane-parallel engine
/// must agree with it on every value.
struct ScalarXyloReference {
    let c: XyloConfig
    let isV2: Bool
    let biasOn: Bool
    var isyn, isyn2, vmem, spikes: [Int]
    var isynOut, vmemOut: [Int]
    var previousIdle: Bool?

    init(_ config: XyloConfig, chip: ChipSpec) {
        c = config
        isV2 = chip.core == .v2
        biasOn = isV2 && config.biasEnabled
        isyn = Array(repeating: 0, count: config.nHidden)
        isyn2 = isyn
        vmem = isyn
        spikes = isyn
        isynOut = Array(repeating: 0, count: config.nOut)
        vmemOut = isynOut
    }

    static func sat(_ x: Int) -> Int { min(max(x, -32768), 32767) }
    static func wrap(_ x: Int) -> Int { Int(Int16(truncatingIfNeeded: x)) }
    static func decay(_ x: Int, _ dash: Int) -> Int {
        let d = x >> dash
        return d == 0 && x > 0 ? 1 : d
    }

    /// Adds `w` to `state` `n` times, saturating after each addition; true when `w != 0`.
    static func add(_ state: inout Int, _ w: Int, times n: Int) -> Bool {
        guard w != 0 else { return false }
        for _ in 0..<n { state = sat(state + w) }
        return true
    }

    /// Membrane update of both cores; `active` collects the v2 hibernation model.
    func membrane(_ v: Int, _ s1: Int, _ s2: Int, dash: Int, bias: Int, active: inout Bool) -> Int {
        if isV2 {
            var inc = Self.sat(Self.wrap(-Self.decay(v, dash)) + s1 + s2)
            if biasOn { inc = Self.sat(inc + bias) }
            if inc != 0 { active = true }
            return Self.sat(v + inc)
        }
        return Self.sat(v - Self.decay(v, dash) + s1 + s2)
    }

    /// One time step; returns the output spikes and the hibernation flag.
    mutating func step(_ input: ArraySlice<Int>) -> (out: [Int], hibernation: Int) {
        var delivered = false
        for (ch, events) in input.enumerated() where events > 0 {
            for s in 0..<c.nSyn {
                for j in 0..<c.nIEN {
                    let w = Self.wrap(c.weightIn(ch, j, s) << c.weightShiftIn)
                    if s == 0 { delivered = Self.add(&isyn[j], w, times: min(events, 15)) || delivered }
                    else { delivered = Self.add(&isyn2[j], w, times: min(events, 15)) || delivered }
                }
            }
        }
        let previous = spikes
        for i in 0..<c.nHidden where previous[i] > 0 {
            for s in 0..<c.nSyn {
                for j in 0..<c.nHidden {
                    let w = Self.wrap(c.weightRec(i, j, s) << c.weightShiftRec)
                    if s == 0 { delivered = Self.add(&isyn[j], w, times: previous[i]) || delivered }
                    else { delivered = Self.add(&isyn2[j], w, times: previous[i]) || delivered }
                }
            }
        }
        for i in 0..<c.nHidden where previous[i] > 0 && i >= c.oenOffset {
            for k in 0..<c.nOut {
                let w = Self.wrap(c.weightOut(i - c.oenOffset, k) << c.weightShiftOut)
                delivered = Self.add(&isynOut[k], w, times: previous[i]) || delivered
            }
        }
        spikes = Array(repeating: 0, count: c.nHidden)
        var active = delivered
        for i in 0..<c.nHidden {
            let d1 = Self.decay(isyn[i], c.dashSyn[i]), d2 = Self.decay(isyn2[i], c.dashSyn2[i])
            isyn[i] -= d1
            isyn2[i] -= d2
            if d1 != 0 || d2 != 0 { active = true }
            var v = membrane(vmem[i], isyn[i], isyn2[i], dash: c.dashMem[i], bias: c.bias?[i] ?? 0, active: &active)
            var count = spikes[i]
            while v >= c.threshold[i] && count < 31 {
                count += 1
                v -= c.threshold[i]
            }
            vmem[i] = v
            spikes[i] = count
            if let a = c.aliases[i].first, count > 0 { spikes[a] = min(31, spikes[a] + count) }
        }
        var out = Array(repeating: 0, count: c.nOut)
        for k in 0..<c.nOut {
            let d = Self.decay(isynOut[k], c.dashSynOut[k])
            isynOut[k] -= d
            if d != 0 { active = true }
            var v = membrane(vmemOut[k], isynOut[k], 0, dash: c.dashMemOut[k], bias: c.biasOut?[k] ?? 0, active: &active)
            if v >= c.thresholdOut[k] {
                out[k] = 1
                v -= c.thresholdOut[k]
            }
            vmemOut[k] = v
        }
        var flag = 0
        if isV2 {
            let idle = !active
            flag = (biasOn ? (!delivered && (previousIdle ?? false)) : idle) ? 1 : 0
            previousIdle = idle
        }
        return (out, flag)
    }
}

extension XCTestCase {
    /// Runs the reference over `input` and checks `result` against it, value by value.
    func compare(_ result: XyloSimulationResult, _ reference: inout ScalarXyloReference, _ input: [Int], _ label: String) {
        let c = reference.c, steps = result.steps
        var mismatches = 0
        for t in 0..<steps where mismatches < 3 {
            let expected = reference.step(input[(t * c.nIn)..<((t + 1) * c.nIn)])
            let rows: [(String, [Int], [Int32], Int)] = [
                ("out", expected.out, result.spikesOut, c.nOut), ("Vmem", reference.vmem, result.vmem, c.nHidden),
                ("Isyn", reference.isyn, result.isyn, c.nHidden), ("Isyn2", reference.isyn2, result.isyn2, c.nHidden),
                ("Spikes", reference.spikes, result.spikes, c.nHidden), ("Vmem_out", reference.vmemOut, result.vmemOut, c.nOut),
                ("Isyn_out", reference.isynOut, result.isynOut, c.nOut),
            ]
            for (name, want, got, width) in rows {
                let row = got[(t * width)..<((t + 1) * width)].map(Int.init)
                if row != want {
                    XCTFail("\(label): \(name) differs at step \(t): \(want) vs \(row)")
                    mismatches += 1
                }
            }
            if !result.hibernation.isEmpty, Int(result.hibernation[t]) != expected.hibernation {
                XCTFail("\(label): hibernation differs at step \(t)")
                mismatches += 1
            }
        }
    }
}
