import FluentKit
import Hotpath

/// What the app's models tell about its tables: which model a table belongs to, how many
/// fields it has, and which relations load rows of it. Built once from the models given to
/// ``FluentKit/DatabaseConfigurationFactory/hotpath(_:models:recorder:capturesCallSites:)``.
struct FluentModelCatalog: Sendable {
    struct Table: Sendable {
        var model: String
        var fieldCount: Int
    }

    /// A relation that loads rows of `table` filtered on `column` (`Book.$author` loads
    /// `authors` by `id`; `Author.$books` loads `books` by `author_id`).
    struct RelationLoad: Sendable, Equatable {
        var table: String
        var column: String
        var name: RelationName
    }

    private(set) var tables: [String: Table] = [:]
    private(set) var relations: [RelationLoad] = []

    init(_ models: [any Model.Type]) {
        for model in models {
            tables[model.schema] = Table(model: String(describing: model), fieldCount: model.keys.count)
            relations += Self.relations(of: model)
        }
    }

    func table(_ schema: String) -> Table? {
        tables[schema]
    }

    /// The one relation that loads `table` by `column`; nil when none or several do.
    func relation(loading table: String, by column: String) -> RelationName? {
        let matches = relations.filter { $0.table == table && $0.column == column }
        return matches.count == 1 ? matches[0].name : nil
    }

    private static func relations(of model: any Model.Type) -> [RelationLoad] {
        let instance = model.init()
        var found: [RelationLoad] = []
        for child in Mirror(reflecting: instance).children {
            guard let label = child.label, label.hasPrefix("_"), let relation = child.value as? any LoadsRelatedRows,
                let loads = relation.loadedRows
            else { continue }
            found.append(RelationLoad(
                table: loads.table, column: loads.column,
                name: RelationName(model: String(describing: model), property: String(label.dropFirst()))
            ))
        }
        return found
    }
}

/// A relation property that reads rows of another table by one column.
protocol LoadsRelatedRows {
    var loadedRows: (table: String, column: String)? { get }
}

extension ParentProperty: LoadsRelatedRows {
    var loadedRows: (table: String, column: String)? { (To.schema, To.init()._$id.key.description) }
}

extension OptionalParentProperty: LoadsRelatedRows {
    var loadedRows: (table: String, column: String)? { (To.schema, To.init()._$id.key.description) }
}

extension ChildrenProperty: LoadsRelatedRows {
    var loadedRows: (table: String, column: String)? {
        switch parentKey {
        case .required(let path): (To.schema, To.init()[keyPath: path].$id.key.description)
        case .optional(let path): (To.schema, To.init()[keyPath: path].$id.key.description)
        }
    }
}
