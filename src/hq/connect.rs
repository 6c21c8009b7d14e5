//! Opening a bounded, optionally TLS-protected connection to head office (rustls with the ring provider).

use std::sync::Arc;
use std::time::Duration;

use postgres::{Client, Config, NoTls};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::hq::error::{HqError, HqResult};
use crate::hq::settings::{redact, HqSettings, SslMode};

/// TCP keepalive probes start after this much silence, so a dead head office is noticed.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(15);

/// Parses the settings' URL into a driver config with every wait bounded. Errors never echo the password.
pub fn config(settings: &HqSettings) -> HqResult<Config> {
    let mut config: Config = settings.database_url.parse().map_err(|e: postgres::Error| HqError::config("hq.database_url", format!("'{}': {e}", redact(&settings.database_url))))?;
    config.connect_timeout(settings.connect_timeout());
    config.keepalives(true);
    config.keepalives_idle(KEEPALIVE_IDLE);
    config.keepalives_interval(Duration::from_secs(5));
    config.keepalives_retries(3);
    // Unacknowledged data (a head office that vanished mid-send) fails the connection instead of hanging.
    config.tcp_user_timeout(Duration::from_millis(settings.statement_timeout_ms.max(settings.connect_timeout_ms)));
    config.options(&format!("-c statement_timeout={} -c lock_timeout={}", settings.statement_timeout_ms, settings.statement_timeout_ms));
    if config.get_application_name().is_none() {
        config.application_name("citytill");
    }
    config.ssl_mode(match settings.ssl_mode {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Require | SslMode::VerifyFull => postgres::config::SslMode::Require,
    });
    Ok(config)
}

/// Connects with the settings' URL.
pub fn connect(settings: &HqSettings) -> HqResult<Client> {
    connect_with(settings, config(settings)?)
}

/// Connects with `config` (e.g. the settings' host as another role) using the settings' TLS mode.
pub fn connect_with(settings: &HqSettings, config: Config) -> HqResult<Client> {
    let redacted = settings.redacted_url();
    let result = match settings.ssl_mode {
        SslMode::Disable => config.connect(NoTls),
        SslMode::Require | SslMode::VerifyFull => config.connect(MakeRustlsConnect::new(tls_config(settings)?)),
    };
    result.map_err(|e| HqError::from_pg(&e, &redacted, &settings.database_url))
}

fn tls_config(settings: &HqSettings) -> HqResult<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().map_err(|e| HqError::config("hq.sslmode", format!("TLS setup failed: {e}")))?;
    let config = match settings.ssl_mode {
        SslMode::Require => builder.dangerous().with_custom_certificate_verifier(Arc::new(EncryptOnly(provider))).with_no_client_auth(),
        _ => builder.with_root_certificates(roots(settings)?).with_no_client_auth(),
    };
    Ok(config)
}

fn roots(settings: &HqSettings) -> HqResult<RootCertStore> {
    let Some(path) = &settings.ca_file else {
        return Ok(RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() });
    };
    let problem = |what: String| HqError::config("hq.ca_file", format!("{}: {what}", path.display()));
    let mut store = RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(path).map_err(|e| problem(e.to_string()))?;
    for certificate in certificates {
        store.add(certificate.map_err(|e| problem(e.to_string()))?).map_err(|e| problem(e.to_string()))?;
    }
    if store.is_empty() {
        return Err(problem("contains no PEM certificate".into()));
    }
    Ok(store)
}

/// `sslmode=require`: encrypt, check the handshake signatures, but do not check who signed the certificate
/// (libpq's meaning of `require`). Use `verify-full` to authenticate head office.
#[derive(Debug)]
struct EncryptOnly(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(&self, message: &[u8], cert: &CertificateDer<'_>, dss: &DigitallySignedStruct) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
