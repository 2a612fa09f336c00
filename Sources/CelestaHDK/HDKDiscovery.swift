#if canImport(Glibc)
import Glibc
#endif
import CelestaIR
import CelestaXylo

/// Finds dev kits: boards on USB (by `USBDeviceTable`) and the virtual kits asked for.
///
/// Never fails for lack of USB: a machine without a bus, without permission or without a
/// board lists no physical kits. Virtual kits are listed for the chips named in the call and
/// in `CELESTA_VIRTUAL_HDKS` (comma-separated chip names, e.g. `xa3,xa2`).
public struct HDKDiscovery {
    /// The environment variable naming virtual kits to list.
    public static let virtualEnvironmentVariable = "CELESTA_VIRTUAL_HDKS"

    public let backend: USBBackend
    public var table: USBDeviceTable
    /// USB interface and endpoints of the kits' bulk pipe.
    public var interface = 0

    /// Discovery over libusb with the built-in id table extended by `CELESTA_HDK_USB_IDS`.
    /// Throws `.parse` when that variable is malformed.
    public init() throws {
        self.init(backend: LibUSBBackend(), table: try USBDeviceTable.fromEnvironment())
    }

    public init(backend: USBBackend, table: USBDeviceTable) {
        self.backend = backend
        self.table = table
    }

    /// The kits on USB whose ids are in the table, in bus order.
    public func physical() -> [(info: HDKDeviceInfo, descriptor: USBDeviceDescriptor)] {
        var found: [(HDKDeviceInfo, USBDeviceDescriptor)] = []
        for d in backend.devices() {
            guard let chipID = table.chipID(for: d), let chip = try? ChipTable.chip(named: chipID) else { continue }
            let info = HDKDeviceInfo(kind: .usb, chipID: chip.id, name: "\(chip.name) HDK [\(d.idString)]",
                                     location: d.location, version: HDKVersion(major: 0, minor: 0))
            found.append((info, d))
        }
        return found
    }

    /// The chips of `CELESTA_VIRTUAL_HDKS`, as given (unchecked until opened).
    public static func virtualFromEnvironment() -> [String] {
        guard let raw = getenv(virtualEnvironmentVariable) else { return [] }
        return String(cString: raw).split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    }

    /// Every kit: the physical ones, then one virtual kit per chip in `virtual` and in the
    /// environment. Throws `.notFound`/`.unsupported` for a virtual chip that has no kit.
    public func find(virtual: [String] = []) throws -> [HDKTransportOpener] {
        var openers = physical().map { HDKTransportOpener.usb($0.info, $0.descriptor) }
        for (index, name) in (virtual + HDKDiscovery.virtualFromEnvironment()).enumerated() {
            let chip = try ChipTable.chip(named: name)
            _ = try XyloPowerModel.model(for: chip)  // a chip without a dev kit fails here
            openers.append(.virtual(chip.id, index))
        }
        return openers
    }

    /// Opens a kit found by `find`.
    public func open(_ opener: HDKTransportOpener, timeout: Duration = .seconds(5)) throws -> HDKTransport {
        switch opener {
        case .virtual(let chip, let index):
            return try VirtualDevKit(chip: chip, index: index)
        case .usb(let info, let descriptor):
            let connection: USBConnection
            do {
                connection = try backend.open(descriptor, interface: interface)
            } catch {
                let why = switch error {
                case .noDevice: "the device is gone (unplugged?)"
                case .timeout: "timed out"
                case .access: "permission denied (udev rules?)"
                case .busy: "the interface is claimed by another program"
                case .other(let name): "USB error \(name)"
                }
                throw CelestaError(.device, "\(info.name) (\(info.location)): open failed: \(why)")
            }
            return try USBTransport(connection: connection, device: info, timeout: timeout)
        }
    }
}

/// A kit discovery found, not yet opened.
public enum HDKTransportOpener: Sendable, Equatable {
    case usb(HDKDeviceInfo, USBDeviceDescriptor)
    case virtual(String, Int)

    /// What the kit is (the USB kit's version is known once opened).
    public var info: HDKDeviceInfo {
        switch self {
        case .usb(let info, _): return info
        case .virtual(let chipID, let index):
            let name = (try? ChipTable.chip(named: chipID).name) ?? chipID
            return HDKDeviceInfo(kind: .virtual, chipID: chipID, name: "\(name) virtual dev kit #\(index)",
                                 location: "virtual:\(index)", version: HDKVersion(major: 1, minor: 1))
        }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
