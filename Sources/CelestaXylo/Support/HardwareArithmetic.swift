import CelestaIR
/// The integer arithmetic of the Xylo cores, spelled out: every operation says whether it
/// saturates or wraps, as the chip does. Nothing here can trap.
public enum HardwareArithmetic {
    /// Clamps `x` to the int16 range.
    @inlinable
    public static func saturate16(_ x: Int32) -> Int32 {
        x < -32768 ? -32768 : (x > 32767 ? 32767 : x)
    }

    /// Clamps a 64-bit `x` to the int16 range.
    @inlinable
    public static func saturate16(_ x: Int) -> Int32 {
        Int32(x < -32768 ? -32768 : (x > 32767 ? 32767 : x))
    }

    /// Keeps the low 16 bits of `x` as a signed value (two's-complement wrap).
    @inlinable
    public static func wrap16(_ x: Int32) -> Int32 {
        Int32(Int16(truncatingIfNeeded: x))
    }

    /// The decay step `d(x, dash)` of the cores: `x >> dash` (arithmetic, rounding toward minus
    /// infinity), replaced by +1 when it is 0 for a positive `x` (a negative `x` shifts to at
    /// most -1 and never needs the replacement). `dash` is 0...15.
    @inlinable
    public static func decay(_ x: Int32, _ dash: Int32) -> Int32 {
        let d = x >> dash
        return (d == 0 && x > 0) ? 1 : d
    }
}
