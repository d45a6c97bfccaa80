//! How every Kafka client of the app (producer, consumer, admin, readiness probe) proves who it is and checks
//! whom it talks to: TLS and SASL options, each a flag and an environment variable, set on each client by
//! [`KafkaSecurity::apply`]; and [`explain`], which turns librdkafka's words for a refused connection into a
//! sentence that names the option to fix.
//!
//! Secrets (the SASL password, the client key's password, any `--kafka-property` value) are held in
//! [`Secret`], whose `Debug` and `Display` print a placeholder: they reach librdkafka and nothing else.

use std::{fmt, path::PathBuf};

use clap::{Args, ValueEnum};
use rdkafka::ClientConfig;

pub use crate::secret::Secret;
use crate::secret::secret_file;

/// How the clients talk to Kafka: librdkafka's `security.protocol`.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SecurityProtocol {
    /// No TLS, no login: a broker on this machine or a private network.
    #[default]
    #[value(name = "PLAINTEXT")]
    Plaintext,
    /// TLS, with a client certificate if the broker asks for one.
    #[value(name = "SSL")]
    Ssl,
    /// A user name and password, unencrypted.
    #[value(name = "SASL_PLAINTEXT")]
    SaslPlaintext,
    /// A user name and password over TLS: what managed Kafka services ask for.
    #[value(name = "SASL_SSL")]
    SaslSsl,
}

impl SecurityProtocol {
    fn name(self) -> &'static str {
        match self {
            Self::Plaintext => "PLAINTEXT",
            Self::Ssl => "SSL",
            Self::SaslPlaintext => "SASL_PLAINTEXT",
            Self::SaslSsl => "SASL_SSL",
        }
    }

    pub fn tls(self) -> bool {
        matches!(self, Self::Ssl | Self::SaslSsl)
    }

    pub fn sasl(self) -> bool {
        matches!(self, Self::SaslPlaintext | Self::SaslSsl)
    }
}

impl fmt::Display for SecurityProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the user name and password are checked: librdkafka's `sasl.mechanism`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaslMechanism {
    /// The password itself is sent: only over TLS, or inside a private network.
    #[value(name = "PLAIN")]
    Plain,
    #[value(name = "SCRAM-SHA-256")]
    ScramSha256,
    #[value(name = "SCRAM-SHA-512")]
    ScramSha512,
}

impl SaslMechanism {
    fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha512 => "SCRAM-SHA-512",
        }
    }
}

impl fmt::Display for SaslMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One librdkafka property for what the named options do not cover, `name=value` as given: hidden when printed,
/// since a property may hold a secret (an OAuth client secret, a key's password). Checked by
/// [`KafkaSecurity::check`], not by the command line's parser, whose errors quote the value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property(Secret);

impl Property {
    /// Its name and value, or why it is not one.
    fn parts(&self) -> Result<(&str, &str), String> {
        property(self.0.expose())
    }
}

/// The properties the named options set: given as `--kafka-property`, they are refused, so that one setting
/// has one place.
/// The TLS files among them are in [`TlsFile::ALL`].
const NAMED: [(&str, &str); 6] = [
    ("bootstrap.servers", "--bootstrap-servers"),
    ("security.protocol", "--kafka-security-protocol"),
    ("sasl.mechanism", "--kafka-sasl-mechanism"),
    ("sasl.mechanisms", "--kafka-sasl-mechanism"),
    ("sasl.username", "--kafka-sasl-username"),
    ("sasl.password", "--kafka-sasl-password"),
];

/// The three files a TLS client may be given, each with its librdkafka property, its flag and its variable.
#[derive(Clone, Copy)]
enum TlsFile {
    Ca,
    Certificate,
    Key,
}

impl TlsFile {
    const ALL: [TlsFile; 3] = [TlsFile::Ca, TlsFile::Certificate, TlsFile::Key];

    fn property(self) -> &'static str {
        match self {
            TlsFile::Ca => "ssl.ca.location",
            TlsFile::Certificate => "ssl.certificate.location",
            TlsFile::Key => "ssl.key.location",
        }
    }

    fn option(self) -> &'static str {
        match self {
            TlsFile::Ca => "--kafka-ssl-ca",
            TlsFile::Certificate => "--kafka-ssl-certificate",
            TlsFile::Key => "--kafka-ssl-key",
        }
    }

    fn variable(self) -> &'static str {
        match self {
            TlsFile::Ca => "KAFKA_SSL_CA_LOCATION",
            TlsFile::Certificate => "KAFKA_SSL_CERTIFICATE_LOCATION",
            TlsFile::Key => "KAFKA_SSL_KEY_LOCATION",
        }
    }
}

fn property(text: &str) -> Result<(&str, &str), String> {
    let (name, value) =
        text.split_once('=').ok_or("a --kafka-property is name=value, e.g. socket.keepalive.enable=true")?;
    let name = name.trim();
    let plausible =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !plausible {
        return Err(
            "a --kafka-property's name (before =) is not a librdkafka property name (letters, digits, dots)".to_owned()
        );
    }
    let files = TlsFile::ALL.map(|file| (file.property(), file.option()));
    if let Some((_, option)) = NAMED.iter().chain(&files).find(|(named, _)| *named == name) {
        return Err(format!("{name} has an option of its own: use {option}, not --kafka-property"));
    }
    Ok((name, value))
}

/// The Kafka clients' security options.
#[derive(Args, Debug, Clone, Default)]
pub struct KafkaSecurity {
    /// How the clients talk to Kafka: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT (a login, unencrypted) or SASL_SSL
    /// (a login over TLS, what managed services ask for).
    #[arg(
        long = "kafka-security-protocol",
        env = "KAFKA_SECURITY_PROTOCOL",
        value_enum,
        ignore_case = true,
        default_value_t,
        global = true
    )]
    pub protocol: SecurityProtocol,

    /// How the login is checked with SASL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (as the broker's listener is
    /// set up; the service's documentation names it).
    #[arg(long = "kafka-sasl-mechanism", env = "KAFKA_SASL_MECHANISM", value_enum, ignore_case = true, global = true)]
    pub mechanism: Option<SaslMechanism>,

    /// The SASL user name.
    #[arg(long = "kafka-sasl-username", env = "KAFKA_SASL_USERNAME", global = true)]
    pub username: Option<String>,

    /// The SASL password. Prefer --kafka-sasl-password-file: a variable's value can be seen by whoever lists
    /// the process's environment.
    #[arg(long = "kafka-sasl-password", env = "KAFKA_SASL_PASSWORD", value_parser = |t: &str| Ok::<_, String>(Secret::new(t)), hide_env_values = true, conflicts_with = "password_file", global = true)]
    pub password: Option<Secret>,

    /// A file holding the SASL password (a Docker secret, /run/secrets/…), read at start.
    #[arg(long = "kafka-sasl-password-file", env = "KAFKA_SASL_PASSWORD_FILE", value_parser = secret_file, global = true)]
    pub password_file: Option<Secret>,

    /// The CA certificate (PEM) that signed the broker's: without it, the system's CA certificates are trusted.
    #[arg(long = "kafka-ssl-ca", env = "KAFKA_SSL_CA_LOCATION", global = true)]
    pub ca: Option<PathBuf>,

    /// This client's certificate (PEM), for a broker that asks for one (mutual TLS).
    #[arg(long = "kafka-ssl-certificate", env = "KAFKA_SSL_CERTIFICATE_LOCATION", requires = "key", global = true)]
    pub certificate: Option<PathBuf>,

    /// The private key (PEM) of --kafka-ssl-certificate.
    #[arg(long = "kafka-ssl-key", env = "KAFKA_SSL_KEY_LOCATION", requires = "certificate", global = true)]
    pub key: Option<PathBuf>,

    /// The password of --kafka-ssl-key, if it is encrypted.
    #[arg(long = "kafka-ssl-key-password", env = "KAFKA_SSL_KEY_PASSWORD", value_parser = |t: &str| Ok::<_, String>(Secret::new(t)), hide_env_values = true, global = true)]
    pub key_password: Option<Secret>,

    /// Any other librdkafka property, as name=value: repeat the flag, or separate them with ; (so a value cannot
    /// hold one).
    #[arg(long = "kafka-property", env = "KAFKA_PROPERTIES", value_parser = |t: &str| Ok::<_, String>(Property(Secret::new(t))), value_delimiter = ';', hide_env_values = true, global = true)]
    pub properties: Vec<Property>,
}

impl KafkaSecurity {
    /// The password, from the option or its file.
    fn password(&self) -> Option<&Secret> {
        self.password.as_ref().or(self.password_file.as_ref())
    }

    /// The TLS files that are set, each with what it is.
    fn tls_files(&self) -> impl Iterator<Item = (TlsFile, &PathBuf)> {
        let paths = [&self.ca, &self.certificate, &self.key];
        TlsFile::ALL.into_iter().zip(paths).filter_map(|(file, path)| Some((file, path.as_ref()?)))
    }

    /// Options that contradict each other, as a sentence; checked at start, before any client is made.
    pub fn check(&self) -> Result<(), String> {
        let protocol = self.protocol;
        if protocol.sasl() {
            if self.mechanism.is_none() {
                return Err(format!(
                    "KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_MECHANISM (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)"
                ));
            }
            if self.username.as_deref().is_none_or(str::is_empty) {
                return Err(format!("KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME"));
            }
            if self.password().is_none() {
                return Err(format!(
                    "KAFKA_SECURITY_PROTOCOL={protocol} needs a password: KAFKA_SASL_PASSWORD_FILE or KAFKA_SASL_PASSWORD"
                ));
            }
        } else if self.mechanism.is_some() || self.username.is_some() || self.password().is_some() {
            return Err(format!(
                "a SASL login is set, but KAFKA_SECURITY_PROTOCOL is {protocol}: set it to SASL_SSL (or SASL_PLAINTEXT)"
            ));
        }
        if !protocol.tls() && (self.ca.is_some() || self.certificate.is_some() || self.key_password.is_some()) {
            return Err(format!(
                "a TLS certificate is set, but KAFKA_SECURITY_PROTOCOL is {protocol}: set it to SSL or SASL_SSL"
            ));
        }
        for property in &self.properties {
            let (name, value) = property.parts()?;
            // librdkafka's own check, whose error would quote the value: only the name is said.
            let mut alone = ClientConfig::new();
            alone.set(name, value);
            if alone.create_native_config().is_err() {
                return Err(format!(
                    "librdkafka does not take --kafka-property {name}: an unknown name, or a value it refuses"
                ));
            }
        }
        for (file, path) in self.tls_files() {
            std::fs::File::open(path)
                .map_err(|e| format!("{}: {} cannot be read: {e}", file.variable(), path.display()))?;
        }
        Ok(())
    }

    /// Sets these options on a client's configuration.
    pub fn apply(&self, client: &mut ClientConfig) {
        client.set("security.protocol", self.protocol.name());
        if let Some(mechanism) = self.mechanism {
            client.set("sasl.mechanism", mechanism.name());
        }
        if let Some(username) = &self.username {
            client.set("sasl.username", username);
        }
        if let Some(password) = self.password() {
            client.set("sasl.password", password.expose());
        }
        for (file, path) in self.tls_files() {
            client.set(file.property(), path.to_string_lossy());
        }
        if let Some(password) = &self.key_password {
            client.set("ssl.key.password", password.expose());
        }
        // Those that are not name=value were refused at start.
        for (name, value) in self.properties.iter().filter_map(|p| p.parts().ok()) {
            client.set(name, value);
        }
    }

    /// Who this client is, for a sentence: `user monitor (SCRAM-SHA-512)`.
    fn login(&self) -> String {
        match (&self.username, self.mechanism) {
            (Some(user), Some(mechanism)) => format!("user {} ({mechanism})", crate::log_text::clipped(user)),
            _ => "no user".to_owned(),
        }
    }

    /// What the broker's certificate is checked against, for a sentence.
    fn trust(&self) -> String {
        match &self.ca {
            Some(ca) => format!("the CA in {}", ca.display()),
            None => "the system's CA certificates (KAFKA_SSL_CA_LOCATION is not set)".to_owned(),
        }
    }
}

/// Whether librdkafka's `reason` is a connection closed while asking for the API versions, right after
/// connecting: what a TLS listener does to a plaintext client.
pub fn is_closed_at_hello(reason: &str) -> bool {
    let text = reason.to_ascii_lowercase();
    text.contains("disconnected") && text.contains("in state apiversion_query")
}

/// librdkafka's reason for a failed connection, as a sentence naming what to fix; `None` for one that is not
/// about security (a broker that is down is said by the callers, as before).
///
/// The patterns are librdkafka's own words (`rdkafka_sasl*.c`, `rdkafka_ssl.c`, `rdkafka_broker.c`), seen in
/// `server/tests/secure_kafka.rs` against a SASL_SSL Apache Kafka.
pub fn explain(reason: &str, security: &KafkaSecurity, bootstrap: &str) -> Option<String> {
    let at = format!("Kafka at {}", crate::log_text::clipped(bootstrap));
    let protocol = security.protocol;
    let text = reason.to_ascii_lowercase();
    if text.contains("authentication failed")
        || text.contains("invalid credentials")
        || text.contains("invalid username or password")
    {
        return Some(format!(
            "{at} refused the SASL credentials for {}: check KAFKA_SASL_USERNAME and the password",
            security.login()
        ));
    }
    if text.contains("unsupported sasl mechanism") || text.contains("broker only supports") {
        return Some(format!(
            "{at} does not accept SASL mechanism {}: set KAFKA_SASL_MECHANISM to one its listener offers",
            security.mechanism.map_or("(none)", SaslMechanism::name)
        ));
    }
    if text.contains("certificate verify failed") || text.contains("broker certificate could not be verified") {
        return Some(format!(
            "the broker's certificate at {} is not trusted by {}: set KAFKA_SSL_CA_LOCATION to the CA that signed it",
            crate::log_text::clipped(bootstrap),
            security.trust()
        ));
    }
    // The broker's TLS alert when it wants a client certificate (TLS 1.2: bad certificate; 1.3: certificate
    // required) and was given none, or one it does not trust.
    if text.contains("alert certificate required") || text.contains("alert bad certificate") {
        return Some(match &security.certificate {
            None => format!(
                "{at} asks for a client certificate: set KAFKA_SSL_CERTIFICATE_LOCATION and KAFKA_SSL_KEY_LOCATION"
            ),
            Some(certificate) => format!(
                "{at} refused the client certificate {}: is it signed by a CA the broker trusts?",
                certificate.display()
            ),
        });
    }
    if text.contains("connecting to a plaintext broker listener") || text.contains("wrong version number") {
        return Some(format!(
            "{at} does not speak TLS on that port (a PLAINTEXT or SASL_PLAINTEXT listener?), but KAFKA_SECURITY_PROTOCOL is {protocol}"
        ));
    }
    // librdkafka adds its own hint for this only sometimes; the close itself says it.
    if (is_closed_at_hello(reason) && !protocol.tls())
        || text.contains("incorrect security.protocol")
        || text.contains("connecting to a ssl listener")
    {
        return Some(format!(
            "{at} closed the connection before answering: it may want TLS (KAFKA_SECURITY_PROTOCOL=SSL or SASL_SSL), not {protocol}"
        ));
    }
    if text.contains("sasl") && !protocol.sasl() {
        return Some(format!("{at} asks for a SASL login, but KAFKA_SECURITY_PROTOCOL is {protocol}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    /// These options alone, as the app's command line has them.
    #[derive(Parser)]
    struct Options {
        #[command(flatten)]
        security: KafkaSecurity,
    }

    fn security(args: &[&str]) -> Result<KafkaSecurity, clap::Error> {
        let mut all = vec!["price-monitor"];
        all.extend_from_slice(args);
        Options::try_parse_from(all).map(|options| options.security)
    }

    #[test]
    fn a_sasl_login_needs_its_mechanism_user_and_password_and_a_certificate_needs_tls() {
        assert_eq!(security(&[]).unwrap().check(), Ok(()));
        let why = |args: &[&str]| security(args).unwrap().check().unwrap_err();
        assert!(why(&["--kafka-security-protocol", "SASL_SSL"]).contains("KAFKA_SASL_MECHANISM"));
        let no_user = why(&["--kafka-security-protocol", "sasl_ssl", "--kafka-sasl-mechanism", "scram-sha-512"]);
        assert!(no_user.contains("KAFKA_SASL_USERNAME"), "{no_user}");
        let no_password = why(&[
            "--kafka-security-protocol",
            "SASL_SSL",
            "--kafka-sasl-mechanism",
            "PLAIN",
            "--kafka-sasl-username",
            "u",
        ]);
        assert!(no_password.contains("KAFKA_SASL_PASSWORD_FILE"), "{no_password}");
        let login_in_clear = why(&["--kafka-sasl-username", "u"]);
        assert!(login_in_clear.contains("SASL_SSL") && login_in_clear.contains("PLAINTEXT"), "{login_in_clear}");
        let ca_without_tls = why(&[
            "--kafka-security-protocol",
            "SASL_PLAINTEXT",
            "--kafka-sasl-mechanism",
            "PLAIN",
            "--kafka-sasl-username",
            "u",
            "--kafka-sasl-password",
            "p",
            "--kafka-ssl-ca",
            "/etc/hostname",
        ]);
        assert!(ca_without_tls.contains("SSL or SASL_SSL"), "{ca_without_tls}");
        let missing_ca = why(&["--kafka-security-protocol", "SSL", "--kafka-ssl-ca", "/nowhere/ca.pem"]);
        assert!(missing_ca.contains("KAFKA_SSL_CA_LOCATION") && missing_ca.contains("/nowhere/ca.pem"), "{missing_ca}");
        // A certificate without its key, and the password twice, are refused by the parser.
        assert!(security(&["--kafka-security-protocol", "SSL", "--kafka-ssl-certificate", "/etc/hostname"]).is_err());
    }

    #[test]
    fn the_password_comes_from_its_file_and_is_never_printed() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("password");
        std::fs::write(&file, "s3cret-Pa55\n").unwrap();
        let file = file.to_str().unwrap();
        let s = security(&[
            "--kafka-security-protocol",
            "SASL_SSL",
            "--kafka-sasl-mechanism",
            "SCRAM-SHA-512",
            "--kafka-sasl-username",
            "monitor",
            "--kafka-sasl-password-file",
            file,
            "--kafka-property",
            "ssl.keystore.password=other-s3cret",
        ])
        .unwrap();
        assert_eq!(s.check(), Ok(()));
        let mut client = ClientConfig::new();
        s.apply(&mut client);
        assert_eq!(client.get("sasl.password"), Some("s3cret-Pa55"), "the line end is not part of it");
        assert_eq!(client.get("sasl.mechanism"), Some("SCRAM-SHA-512"));
        assert_eq!(client.get("ssl.keystore.password"), Some("other-s3cret"));
        let printed = format!("{s:?} {:?}", security(&["--kafka-sasl-password", "s3cret-Pa55"]).unwrap());
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(printed.contains("<secret>"));
        // Both the flag and the file: one place for one setting.
        assert!(security(&["--kafka-sasl-password", "a", "--kafka-sasl-password-file", file]).is_err());
        let empty = dir.path().join("empty");
        std::fs::write(&empty, "").unwrap();
        let why = security(&["--kafka-sasl-password-file", empty.to_str().unwrap()]).unwrap_err().to_string();
        assert!(why.contains("is empty"), "{why}");
    }

    #[test]
    fn other_properties_are_name_value_and_do_not_shadow_the_named_options() {
        let s = security(&[
            "--kafka-property",
            "socket.keepalive.enable=true",
            "--kafka-property",
            "debug=security,broker",
        ])
        .unwrap();
        assert_eq!(s.check(), Ok(()));
        let mut client = ClientConfig::new();
        s.apply(&mut client);
        assert_eq!(client.get("debug"), Some("security,broker"));
        let why = |property: &str| security(&["--kafka-property", property]).unwrap().check().unwrap_err();
        let shadow = why("sasl.password=hunter2");
        assert!(shadow.contains("use --kafka-sasl-password") && !shadow.contains("hunter2"), "{shadow}");
        assert!(why("no-equals-sign").contains("name=value"));
        assert!(why("=value").contains("name"));
        let unknown = why("sasl.oauthbearer.client.secert=hunter2");
        assert!(unknown.contains("sasl.oauthbearer.client.secert") && !unknown.contains("hunter2"), "{unknown}");
        // The variable's list: several separated by ;.
        let s = KafkaSecurity { properties: vec![Property(Secret::new("a.b=1"))], ..KafkaSecurity::default() };
        assert!(!format!("{s:?}").contains("a.b=1"));
    }

    #[test]
    fn librdkafka_reasons_become_sentences_that_name_the_fix() {
        let s = security(&[
            "--kafka-security-protocol",
            "SASL_SSL",
            "--kafka-sasl-mechanism",
            "SCRAM-SHA-512",
            "--kafka-sasl-username",
            "monitor",
            "--kafka-sasl-password",
            "pw",
        ])
        .unwrap();
        let at = "127.0.0.1:9093";
        let sasl = "sasl_ssl://127.0.0.1:9093/bootstrap: SASL authentication error: Authentication failed during \
                    authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 3ms in state AUTH_REQ)";
        let said = explain(sasl, &s, at).unwrap();
        assert!(said.contains("refused the SASL credentials for user monitor (SCRAM-SHA-512)"), "{said}");
        let tls = "ssl://127.0.0.1:9093/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate \
                   verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly \
                   configured or root CA certificates are installed (install ca-certificates package)";
        let said = explain(tls, &s, at).unwrap();
        assert!(said.contains("is not trusted by the system's CA certificates"), "{said}");
        let plain = "127.0.0.1:9093/bootstrap: Disconnected while requesting ApiVersion: might be caused by incorrect \
                     security.protocol configuration (connecting to a SSL listener?) or broker version is < 0.10";
        let said = explain(plain, &security(&[]).unwrap(), at).unwrap();
        assert!(said.contains("may want TLS") && said.contains("not PLAINTEXT"), "{said}");
        let closed = "127.0.0.1:9093/bootstrap: Disconnected: connection closed by peer: receive 0 after POLLIN \
                      (after 2ms in state APIVERSION_QUERY)";
        assert_eq!(explain(closed, &security(&[]).unwrap(), at).as_deref(), Some(said.as_str()));
        let alert = "ssl://127.0.0.1:9094/bootstrap: Receive failed: error:0A000412:SSL routines::sslv3 alert bad \
                     certificate: SSL alert number 42 (after 2ms in state APIVERSION_QUERY)";
        let tls = security(&["--kafka-security-protocol", "SSL"]).unwrap();
        assert!(explain(alert, &tls, at).unwrap().contains("asks for a client certificate"));
        assert_eq!(
            explain("127.0.0.1:9093/bootstrap: Connect to ipv4#127.0.0.1:9093 failed: Connection refused", &s, at),
            None
        );
        assert!(!said.contains("pw"));
    }
}
