//! AWS Signature Version 4 in the query string (a presigned URL), and the MSK IAM login token made of one: the
//! presigned `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect`, valid 900 s, with a
//! `User-Agent` parameter, in unpadded base64url. Amazon MSK takes it as an OAUTHBEARER token, as AWS's
//! `aws-msk-iam-sasl-signer` libraries make it. Pure: the credentials and the clock are given.

use chrono::{DateTime, Utc};
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::PKey;
use openssl::sign::Signer;

/// The service name MSK IAM tokens are signed for, and the action they allow.
const MSK_SERVICE: &str = "kafka-cluster";
const MSK_ACTION: &str = "kafka-cluster:Connect";
/// How long a token stays valid (the signers' own).
pub const MSK_TOKEN_SECONDS: u64 = 900;
/// The SHA-256 of an empty body: what a presigned GET signs as its payload.
const EMPTY_PAYLOAD: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// AWS credentials. `Debug` shows the key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct AwsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for AwsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsCredentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// One request to presign: a GET of `/` on `host` (with its port, if any).
#[derive(Debug)]
pub struct Presign<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    /// The request's own parameters, in the order the URL gives them.
    pub params: &'a [(&'a str, &'a str)],
    pub expires_seconds: u64,
}

/// RFC 3986 encoding as SigV4 needs it: everything but the unreserved characters, in upper-case hex.
pub fn uri_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(byte as char),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, String> {
    let failed = |e: openssl::error::ErrorStack| format!("cannot sign the AWS request: {e}");
    let key = PKey::hmac(key).map_err(failed)?;
    let mut signer = Signer::new(MessageDigest::sha256(), &key).map_err(failed)?;
    signer.update(data).map_err(failed)?;
    signer.sign_to_vec().map_err(failed)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The presigned URL: the request's parameters, then the signing parameters, then `X-Amz-Signature`.
pub fn presign(request: &Presign<'_>, credentials: &AwsCredentials, at: DateTime<Utc>) -> Result<String, String> {
    let date = at.format("%Y%m%d").to_string();
    let timestamp = at.format("%Y%m%dT%H%M%SZ").to_string();
    let scope = format!("{date}/{}/{}/aws4_request", request.region, request.service);
    let credential = format!("{}/{scope}", credentials.access_key_id);
    let expires = request.expires_seconds.to_string();
    let mut query: Vec<(&str, &str)> = request.params.to_vec();
    query.extend([
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", &credential),
        ("X-Amz-Date", &timestamp),
        ("X-Amz-Expires", &expires),
        ("X-Amz-SignedHeaders", "host"),
    ]);
    if let Some(token) = &credentials.session_token {
        query.push(("X-Amz-Security-Token", token));
    }
    let encoded: Vec<(String, String)> = query.iter().map(|(k, v)| (uri_encode(k), uri_encode(v))).collect();
    let mut canonical_query = encoded.clone();
    canonical_query.sort();
    let join = |pairs: &[(String, String)]| pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let canonical_request =
        format!("GET\n/\n{}\nhost:{}\n\nhost\n{EMPTY_PAYLOAD}", join(&canonical_query), request.host);
    let digest = hash(MessageDigest::sha256(), canonical_request.as_bytes())
        .map_err(|e| format!("cannot sign the AWS request: {e}"))?;
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{timestamp}\n{scope}\n{}", hex(&digest));
    let mut key = format!("AWS4{}", credentials.secret_access_key).into_bytes();
    for part in [date.as_str(), request.region, request.service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes())?;
    }
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes())?);
    Ok(format!("{}://{}/?{}&X-Amz-Signature={signature}", request.scheme, request.host, join(&encoded)))
}

/// The MSK IAM token for `region`, signed at `at`.
pub fn msk_token(
    region: &str,
    credentials: &AwsCredentials,
    at: DateTime<Utc>,
    user_agent: &str,
) -> Result<String, String> {
    let host = format!("kafka.{region}.amazonaws.com");
    let request = Presign {
        scheme: "https",
        host: &host,
        service: MSK_SERVICE,
        region,
        params: &[("Action", MSK_ACTION)],
        expires_seconds: MSK_TOKEN_SECONDS,
    };
    let url = format!("{}&User-Agent={}", presign(&request, credentials, at)?, uri_encode(user_agent));
    Ok(openssl::base64::encode_block(url.as_bytes()).replace('+', "-").replace('/', "_").trim_end_matches('=').into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn example(session_token: Option<&str>) -> AwsCredentials {
        // AWS's documented example keys.
        AwsCredentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            session_token: session_token.map(str::to_string),
        }
    }

    fn decoded(token: &str) -> String {
        let mut padded = token.replace('-', "+").replace('_', "/");
        while !padded.len().is_multiple_of(4) {
            padded.push('=');
        }
        String::from_utf8(openssl::base64::decode_block(&padded).unwrap()).unwrap()
    }

    /// The expected tokens are botocore's (`SigV4QueryAuth`, which AWS's Python signer uses) for the same keys and
    /// clock: `python3 scripts/msk-iam-vectors.py` prints them.
    #[test]
    fn tokens_match_botocore() {
        let at = Utc.with_ymd_and_hms(2026, 12, 6, 11, 30, 0).unwrap();
        let plain = msk_token("eu-west-1", &example(None), at, "offset-tools/test").unwrap();
        assert_eq!(
            decoded(&plain),
            "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261206%2Feu-west-1%2Fkafka-cluster%2Faws4_request\
             &X-Amz-Date=20261206T113000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=c5b7a1c9957064fbc64d2ccf2a801a215107e87bbcf798dd15d8d137c572dc3f\
             &User-Agent=offset-tools%2Ftest"
        );
        assert!(!plain.contains('=') && !plain.contains('+') && !plain.contains('/'));
        let session =
            msk_token("eu-west-1", &example(Some("FwoGZXIvYXdzEXAMPLE+session/token==")), at, "offset-tools/test")
                .unwrap();
        assert_eq!(
            decoded(&session),
            "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261206%2Feu-west-1%2Fkafka-cluster%2Faws4_request\
             &X-Amz-Date=20261206T113000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host\
             &X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE%2Bsession%2Ftoken%3D%3D\
             &X-Amz-Signature=e9308e49a475a9ec9a8ad237f6bb6469b7249d0f5c95146d6de4355ba5739520\
             &User-Agent=offset-tools%2Ftest"
        );
    }
}
