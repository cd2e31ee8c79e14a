import Testing

@testable import Hotpath

@Suite("SQL fingerprints")
struct SQLFingerprintTests {
    @Test(arguments: [
        ("SELECT * FROM users WHERE id = 42", "select * from users where id = ?"),
        ("select *\n  from users\twhere id=7", "select * from users where id=?"),
        ("SELECT name FROM users WHERE email = 'a@b.c' AND age > 30", "select name from users where email = ? and age > ?"),
        ("SELECT * FROM t WHERE s = 'it''s'", "select * from t where s = ?"),
        ("SELECT * FROM users WHERE id = $1", "select * from users where id = ?"),
        ("SELECT * FROM users WHERE id = ?", "select * from users where id = ?"),
        ("SELECT * FROM users WHERE id = :id", "select * from users where id = ?"),
        ("SELECT * FROM users WHERE id IN (1, 2, 3)", "select * from users where id in (?)"),
        ("SELECT * FROM users WHERE id IN ($1,$2,$3,$4)", "select * from users where id in (?)"),
        ("SELECT * FROM users WHERE id IN (?)", "select * from users where id in (?)"),
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", "insert into t (a, b) values (?)"),
        ("SELECT price * -1 FROM items WHERE x = -5", "select price * ? from items where x = ?"),
        ("SELECT 3.14, 1e5, 0x1F", "select ?, ?, ?"),
        ("SELECT * FROM t1 JOIN t2 ON t1.id = t2.t1_id", "select * from t1 join t2 on t1.id = t2.t1_id"),
        ("SELECT \"Users\".\"Name\" FROM \"Users\"", "select \"users\".\"name\" from \"users\""),
        ("SELECT id::text FROM users -- trailing comment", "select id::text from users"),
        ("SELECT /* hint */ id FROM users", "select id from users"),
        ("SELECT * FROM orders WHERE created_at > '2026-01-01' LIMIT 10 OFFSET 20", "select * from orders where created_at > ? limit ? offset ?"),
    ])
    func normalises(sql: String, expected: String) {
        #expect(SQLFingerprint(sql).text == expected)
    }

    @Test func sameShapeSameFingerprint() {
        #expect(SQLFingerprint("SELECT * FROM users WHERE id = 1") == SQLFingerprint("select * from users where id = 99"))
        #expect(SQLFingerprint("SELECT * FROM users WHERE id IN (1)") == SQLFingerprint("SELECT * FROM users WHERE id IN (1, 2, 3, 4, 5)"))
        #expect(SQLFingerprint("SELECT * FROM users WHERE id = 1") != SQLFingerprint("SELECT * FROM orders WHERE id = 1"))
    }

    @Test(arguments: ["", "'", "'unterminated", "/* open", "$", "(((", "IN (", ":", "-", "\"unterminated"])
    func oddInputNeverCrashes(sql: String) {
        _ = SQLFingerprint(sql).text
    }
}
