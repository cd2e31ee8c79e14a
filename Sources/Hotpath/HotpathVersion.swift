/// The version of this Hotpath build, shown by `hotpath --version` and sent in User-Agent.
public enum HotpathVersion {
    public static let current = "0.1.0"
}
