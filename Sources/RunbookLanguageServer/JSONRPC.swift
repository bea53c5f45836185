// JSON-RPC 2.0 as LSP uses it: requests, notifications and responses as Codable values, and the
// error codes the server answers bad input with instead of crashing.

import Foundation

public enum RequestID: Codable, Hashable, Sendable {
    case number(Int)
    case string(String)

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) { self = .number(number) } else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .string(let string): try container.encode(string)
        }
    }
}

public struct ResponseError: Error, Codable, Equatable, Sendable {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    public static func parseError(_ message: String) -> ResponseError { ResponseError(code: -32700, message: message) }
    public static func invalidRequest(_ message: String) -> ResponseError { ResponseError(code: -32600, message: message) }
    public static func methodNotFound(_ method: String) -> ResponseError { ResponseError(code: -32601, message: "method not found: \(method)") }
    public static func invalidParams(_ message: String) -> ResponseError { ResponseError(code: -32602, message: message) }
    public static let serverNotInitialized = ResponseError(code: -32002, message: "the server is not initialized")
    public static let requestCancelled = ResponseError(code: -32800, message: "request cancelled")
}

/// What every incoming message is decoded as first: enough to route it.
struct Envelope: Decodable {
    var id: RequestID?
    var method: String?

    enum CodingKeys: String, CodingKey { case id, method }

    /// An `id` that is there but neither an integer nor a string (`1.5`, `true`, `{}`, a number
    /// past 64 bits): the message is an invalid request, not a notification a client waits on forever.
    var hasInvalidID = false

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try? container.decodeIfPresent(RequestID.self, forKey: .id)
        hasInvalidID = id == nil && container.contains(.id) && !((try? container.decodeNil(forKey: .id)) ?? false)
        method = try container.decodeIfPresent(String.self, forKey: .method)
    }
}

/// A message's `params`, decoded into the type its method takes.
struct ParamsEnvelope<Params: Decodable>: Decodable {
    var params: Params
}

/// One decoded incoming message.
public enum IncomingMessage: Sendable {
    case request(id: RequestID, method: String, body: Data)
    case notification(method: String, body: Data)
    /// A response to something the server sent, or a message with no method: ignored.
    case response
    /// Not JSON-RPC at all: answered with this error (and a null id).
    case invalid(ResponseError)

    public static func decode(_ body: Data) -> IncomingMessage {
        do {
            let envelope = try JSONDecoder().decode(Envelope.self, from: body)
            guard let method = envelope.method else { return envelope.id == nil ? .invalid(.invalidRequest("message has no method")) : .response }
            // JSON-RPC answers it with a null id: the id could not be read.
            if envelope.hasInvalidID { return .invalid(.invalidRequest("`id` must be an integer or a string")) }
            if let id = envelope.id { return .request(id: id, method: method, body: body) }
            return .notification(method: method, body: body)
        } catch {
            let isJSON = (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) != nil
            return .invalid(isJSON ? .invalidRequest("a message must be a JSON object with a string `method`") : .parseError("the message is not valid JSON"))
        }
    }

    /// The message's `params` as `Params`, or an invalid-params error saying what did not fit.
    public static func params<Params: Decodable>(_ type: Params.Type, from body: Data) throws(ResponseError) -> Params {
        do {
            return try JSONDecoder().decode(ParamsEnvelope<Params>.self, from: body).params
        } catch {
            throw .invalidParams("params do not fit \(Params.self): \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context): return "missing `\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))`"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "wrong value at `\(context.codingPath.map(\.stringValue).joined(separator: "."))`"
        @unknown default: return "\(error)"
        }
    }
}

/// Outgoing messages, encoded as the LSP client expects them.
enum OutgoingMessage {
    struct Response<Result: Encodable>: Encodable {
        var id: RequestID
        var result: Result

        enum CodingKeys: String, CodingKey { case jsonrpc, id, result }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("2.0", forKey: .jsonrpc)
            try container.encode(id, forKey: .id)
            // `result` is required on success, `null` included.
            try container.encode(result, forKey: .result)
        }
    }

    struct Failure: Encodable {
        var id: RequestID?
        var error: ResponseError

        enum CodingKeys: String, CodingKey { case jsonrpc, id, error }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("2.0", forKey: .jsonrpc)
            if let id { try container.encode(id, forKey: .id) } else { try container.encodeNil(forKey: .id) }
            try container.encode(error, forKey: .error)
        }
    }

    struct Notification<Params: Encodable>: Encodable {
        var jsonrpc = "2.0"
        var method: String
        var params: Params
    }

    static func encode<Value: Encodable>(_ value: Value) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every value sent is built from our own Codable types; a failure here would be a bug, and the
        // client still gets a well-formed internal error rather than a broken frame.
        return (try? encoder.encode(value)) ?? Data(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32603,"message":"response could not be encoded"}}"#.utf8)
    }
}
