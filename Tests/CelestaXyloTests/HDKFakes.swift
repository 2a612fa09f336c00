import CelestaIR
import CelestaXylo
import CelestaHDK

/// A USB bus in memory for the transport tests: its "boards" answer through `HDKWireServer`
/// over virtual kits, and failures can be injected at the libusb seam.
final class FakeUSBBackend: USBBackend {
    var listed: [USBDeviceDescriptor]
    var boards: [String: VirtualDevKit] = [:]
    var openFailure: USBFailure?
    var lastConnection: FakeUSBConnection?

    init(listed: [USBDeviceDescriptor]) {
        self.listed = listed
    }

    func devices() -> [USBDeviceDescriptor] { listed }

    func open(_ device: USBDeviceDescriptor, interface: Int) throws(USBFailure) -> USBConnection {
        if let openFailure { throw openFailure }
        guard let kit = boards[device.location] else { throw .noDevice }
        let connection = FakeUSBConnection(server: HDKWireServer(transport: kit))
        lastConnection = connection
        return connection
    }
}

/// One open fake board: requests go to the wire server, answers come back in small chunks.
final class FakeUSBConnection: USBConnection {
    let server: HDKWireServer
    private var answer: [UInt8] = []
    /// Fail the next write or read with this.
    var failWrite: USBFailure?
    var failRead: USBFailure?
    /// Replace the next answer by these bytes.
    var corruptAnswer: [UInt8]?
    /// Applied to every answer the server gives (to corrupt its payload).
    var mutateAnswer: (([UInt8]) -> [UInt8])?
    /// Bytes per bulk read (to exercise reassembly).
    var chunk = 61
    private(set) var closed = false

    init(server: HDKWireServer) {
        self.server = server
    }

    func bulkWrite(endpoint: UInt8, _ data: [UInt8], timeoutMilliseconds: Int) throws(USBFailure) -> Int {
        if closed { throw .noDevice }
        if let failWrite { self.failWrite = nil; throw failWrite }
        answer = corruptAnswer ?? server.answer(data)
        if let mutateAnswer { answer = mutateAnswer(answer) }
        corruptAnswer = nil
        return data.count
    }

    func bulkRead(endpoint: UInt8, maxLength: Int, timeoutMilliseconds: Int) throws(USBFailure) -> [UInt8] {
        if closed { throw .noDevice }
        if let failRead { self.failRead = nil; throw failRead }
        guard !answer.isEmpty else { throw .timeout }
        let n = min(maxLength, chunk, answer.count)
        defer { answer.removeFirst(n) }
        return Array(answer.prefix(n))
    }

    func close() { closed = true }
}
