import FluentKit
import Hotpath

/// The shape of a Fluent query: everything that decides the text of its SQL (table, fields,
/// filter structure, sorts, limits, which values are NULL), and none of its values; plus the
/// identity of those values, walked in a fixed order.
///
/// Two queries of one shape render to the same SQL, so the text is rendered once per shape and
/// reused (``FluentStatementCache``). A query with any `.custom` part has no shape: what a
/// custom expression renders to is not known without rendering it.
struct FluentQueryShape {
    /// 128 bits of the shape (two independent word mixers over the same tokens): a false
    /// match would record another statement's text, so one 64-bit hash is not trusted alone.
    /// They live in this process only, so neither needs to be stable across runs.
    struct Key: Hashable, Sendable {
        var first: UInt64
        var second: UInt64
    }

    /// Nil when the query has a part only rendering can tell.
    let key: Key?
    /// The values' identity, in the walk's order (the same for every query of a shape).
    let binds: BindIdentity

    init(_ query: DatabaseQuery, dialect: String) {
        var walk = ShapeWalk()
        walk.text(dialect)
        walk.query(query)
        key = walk.cacheable ? Key(first: walk.mixer.first, second: walk.mixer.second) : nil
        binds = walk.binds.identity
    }
}

/// One pass over a query, hashing its structure and collecting its values' identity.
private struct ShapeWalk {
    var mixer = WordMixer()
    var binds = BindIdentity.Builder()
    var cacheable = true

    mutating func token(_ value: UInt64) {
        mixer.mix(value)
    }

    mutating func text(_ value: String) {
        mixer.mix(value)
    }

    mutating func optionalText(_ value: String?) {
        if let value {
            token(1)
            text(value)
        } else {
            token(0)
        }
    }

    mutating func flag(_ value: Bool) { token(value ? 1 : 0) }

    /// A part whose text only rendering knows.
    mutating func custom() { cacheable = false }

    mutating func query(_ query: DatabaseQuery) {
        text(query.schema)
        optionalText(query.space)
        if let key = query.customIDKey {
            token(1)
            fieldKey(key)
        } else {
            token(0)
        }
        flag(query.isUnique)
        switch query.action {
        case .read: token(1)
        case .create: token(2)
        case .update: token(3)
        case .delete: token(4)
        case .aggregate(let aggregate):
            token(5)
            self.aggregate(aggregate)
        case .custom: custom()
        }
        token(UInt64(query.fields.count))
        for field in query.fields { self.field(field) }
        token(UInt64(query.filters.count))
        for filter in query.filters { self.filter(filter) }
        switch query.action {
        case .create: insertValues(query)
        case .update: updateValues(query)
        default: break
        }
        token(UInt64(query.joins.count))
        for join in query.joins { self.join(join) }
        token(UInt64(query.sorts.count))
        for sort in query.sorts {
            switch sort {
            case .sort(let field, let direction):
                self.field(field)
                switch direction {
                case .ascending: token(1)
                case .descending: token(2)
                case .custom: custom()
                }
            case .custom: custom()
            }
        }
        // Limits and offsets are written into the text as numbers.
        token(UInt64(query.limits.count))
        for limit in query.limits {
            if case .count(let count) = limit { token(UInt64(bitPattern: Int64(count))) } else { custom() }
        }
        token(UInt64(query.offsets.count))
        for offset in query.offsets {
            if case .count(let count) = offset { token(UInt64(bitPattern: Int64(count))) } else { custom() }
        }
    }

    /// An insert's columns are the query's fields present in its first row, in the fields'
    /// order; every row gives a value for each (FluentSQL refuses a non-uniform input).
    mutating func insertValues(_ query: DatabaseQuery) {
        guard case .dictionary(let first) = query.input.first else { return custom() }
        let keys = query.fields.compactMap { ownKey($0, of: query) }.filter { first[$0] != nil }
        token(UInt64(query.input.count))
        token(UInt64(keys.count))
        for row in query.input {
            guard case .dictionary(let values) = row, values.count == keys.count else { return custom() }
            for key in keys {
                guard let value = values[key] else { return custom() }
                fieldKey(key)
                self.value(value)
            }
        }
    }

    /// An update sets the query's own fields that its input gives a value for, in the fields' order.
    mutating func updateValues(_ query: DatabaseQuery) {
        guard case .dictionary(let values) = query.input.first else { return custom() }
        for field in query.fields {
            guard let key = ownKey(field, of: query), let value = values[key] else {
                token(0)
                continue
            }
            token(1)
            fieldKey(key)
            self.value(value)
        }
    }

    /// The first key of a field of the query's own table (as FluentSQL's insert and update pick them).
    func ownKey(_ field: DatabaseQuery.Field, of query: DatabaseQuery) -> FieldKey? {
        switch field {
        case .path(let path, let schema) where schema == query.schema: path.first
        case .extendedPath(let path, let schema, let space) where schema == query.schema && space == query.space: path.first
        default: nil
        }
    }

    mutating func fieldKey(_ key: FieldKey) {
        switch key {
        case .id: token(1)
        case .string(let name):
            token(2)
            text(name)
        case .aggregate: token(3)
        case .prefix(let prefix, let rest):
            token(4)
            fieldKey(prefix)
            fieldKey(rest)
        }
    }

    mutating func field(_ field: DatabaseQuery.Field) {
        switch field {
        case .path(let path, let schema):
            token(1)
            text(schema)
            token(UInt64(path.count))
            for key in path { fieldKey(key) }
        case .extendedPath(let path, let schema, let space):
            token(2)
            text(schema)
            optionalText(space)
            token(UInt64(path.count))
            for key in path { fieldKey(key) }
        case .custom:
            custom()
        }
    }

    mutating func aggregate(_ aggregate: DatabaseQuery.Aggregate) {
        guard case .field(let field, let method) = aggregate else { return custom() }
        self.field(field)
        switch method {
        case .count: token(1)
        case .sum: token(2)
        case .average: token(3)
        case .minimum: token(4)
        case .maximum: token(5)
        case .custom: custom()
        }
    }

    mutating func filter(_ filter: DatabaseQuery.Filter) {
        switch filter {
        case .value(let field, let method, let value):
            token(1)
            self.field(field)
            self.method(method)
            // `LIKE ?` is the same text for a prefix, a suffix and a substring: the value bound
            // (`ab%`, `%ab`) differs, and so must the identity.
            if case .contains(_, let location) = method {
                switch location {
                case .prefix: binds.add(1)
                case .suffix: binds.add(2)
                case .anywhere: binds.add(3)
                }
            }
            self.value(value)
        case .field(let left, let method, let right):
            token(2)
            self.field(left)
            self.method(method)
            self.field(right)
        case .group(let filters, let relation):
            token(3)
            switch relation {
            case .and: token(1)
            case .or: token(2)
            case .custom: custom()
            }
            token(UInt64(filters.count))
            for filter in filters { self.filter(filter) }
        case .custom:
            custom()
        }
    }

    mutating func method(_ method: DatabaseQuery.Filter.Method) {
        switch method {
        case .equality(let inverse):
            token(1)
            flag(inverse)
        case .order(let inverse, let equality):
            token(2)
            flag(inverse)
            flag(equality)
        case .subset(let inverse):
            token(3)
            flag(inverse)
        case .contains(let inverse, let location):
            token(4)
            flag(inverse)
            switch location {
            case .prefix: token(1)
            case .suffix: token(2)
            case .anywhere: token(3)
            }
        case .custom:
            custom()
        }
    }

    /// A value's place in the text: a placeholder, or a literal (NULL, DEFAULT, an enum case),
    /// an empty list (FluentSQL writes `1 = 0` for `IN ()`). A bind of `nil` is written as NULL.
    mutating func value(_ value: DatabaseQuery.Value) {
        switch value {
        case .bind(let bound):
            if let optional = bound as? any AnyOptionalType, optional.wrappedValue == nil {
                token(2)
            } else {
                token(1)
                binds.add(describing: bound)
            }
        case .null: token(2)
        case .default: token(3)
        case .enumCase(let name):
            token(4)
            text(name)
        case .array(let values):
            token(5)
            token(UInt64(values.count))
            for value in values { self.value(value) }
        case .dictionary, .custom:
            custom()
        }
    }

    mutating func join(_ join: DatabaseQuery.Join) {
        switch join {
        case .join(let schema, let alias, let method, let foreign, let local):
            token(1)
            text(schema)
            optionalText(alias)
            joinMethod(method)
            field(foreign)
            field(local)
        case .extendedJoin(let schema, let space, let alias, let method, let foreign, let local):
            token(2)
            text(schema)
            optionalText(space)
            optionalText(alias)
            joinMethod(method)
            field(foreign)
            field(local)
        case .advancedJoin(let schema, let space, let alias, let method, let filters):
            token(3)
            text(schema)
            optionalText(space)
            optionalText(alias)
            joinMethod(method)
            token(UInt64(filters.count))
            for filter in filters { self.filter(filter) }
        case .custom:
            custom()
        }
    }

    mutating func joinMethod(_ method: DatabaseQuery.Join.Method) {
        switch method {
        case .inner: token(1)
        case .left: token(2)
        case .custom: custom()
        }
    }
}

/// Two 64-bit lanes mixing words (xor, multiply by an odd constant, xor-shift: each step a
/// bijection of the lane, so two walks that differ in one token differ after it), with
/// different constants so the lanes are independent: the shape's 128-bit key. A word at a time,
/// where FNV goes a byte at a time and SipHash costs rounds per word: this runs for every query.
struct WordMixer {
    private(set) var first: UInt64 = 0x5348_4150_45_9E37
    private(set) var second: UInt64 = 0x243F_6A88_85A3_08D3

    @inline(__always)
    mutating func mix(_ word: UInt64) {
        first = (first ^ word) &* 0x9E37_79B9_7F4A_7C15
        first ^= first >> 29
        second = (second ^ word) &* 0xC2B2_AE3D_27D4_EB4F
        second ^= second >> 32
    }

    /// The length, then the UTF-8 bytes eight at a time (the last word zero-padded).
    mutating func mix(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            mix(UInt64(bytes.count) | 0x8000_0000_0000_0000)
            let raw = UnsafeRawBufferPointer(bytes)
            var index = 0
            while index + 8 <= bytes.count {
                mix(raw.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                index += 8
            }
            var last: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                last |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            mix(last)
        }
    }
}
