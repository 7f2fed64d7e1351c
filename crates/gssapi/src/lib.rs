//! The initiator (client) side of GSSAPI with the Kerberos mechanism, through MIT Kerberos's `libgssapi_krb5.so.2`,
//! which is loaded the first time a login needs it: the tools are not linked against it, so they start (and log in
//! any other way) on hosts without Kerberos, and only a GSSAPI login says which library it needs.
//!
//! Credentials come from a keytab (MIT's `client_keytab` credential store, the tickets kept in a per-process memory
//! cache), from a ticket cache (`KRB5CCNAME` or a named one), or from the library's defaults. Errors are the
//! library's own words (`gss_display_status`), one line.
//!
//! This crate is the only place, besides the librdkafka mock wrapper, where the tools call C: every `unsafe` block
//! is a call into the loaded library with buffers it documents, and every buffer or handle it returns is copied or
//! released here.

#![deny(unsafe_op_in_unsafe_fn)]

use std::ffi::{c_char, c_int, c_void, CString};
use std::ptr;
use std::sync::OnceLock;

/// The shared object and the packages that carry it.
const LIBRARY: &str = "libgssapi_krb5.so.2";

/// OIDs (DER contents): the Kerberos V5 mechanism, its principal name type, and `service@host` names.
const KRB5_MECH: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02";
const KRB5_PRINCIPAL_NAME: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01";
const HOSTBASED_SERVICE: &[u8] = b"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04";

const GSS_C_MUTUAL_FLAG: u32 = 2;
const GSS_C_SEQUENCE_FLAG: u32 = 8;
const GSS_C_CONF_FLAG: u32 = 16;
const GSS_C_INTEG_FLAG: u32 = 32;
const GSS_C_INITIATE: c_int = 1;
const GSS_C_INDEFINITE: u32 = u32::MAX;
const GSS_C_GSS_CODE: c_int = 1;
const GSS_C_MECH_CODE: c_int = 2;
const GSS_S_CONTINUE_NEEDED: u32 = 1;
/// The calling and routine error bits of a major status.
const GSS_ERROR_MASK: u32 = 0xffff_0000;
/// MIT's `KRB5_FCC_NOFILE` as a minor status: a keytab login whose principal the keytab does not hold falls back
/// to a ticket cache, and reports that none was found.
const KRB5_FCC_NOFILE: u32 = (-1_765_328_189_i32) as u32;

#[repr(C)]
struct Buffer {
    length: usize,
    value: *mut c_void,
}

impl Buffer {
    fn empty() -> Buffer {
        Buffer { length: 0, value: ptr::null_mut() }
    }

    /// A view of `bytes` for the library to read (it never writes input buffers).
    fn of(bytes: &[u8]) -> Buffer {
        Buffer { length: bytes.len(), value: bytes.as_ptr() as *mut c_void }
    }
}

#[repr(C)]
struct Oid {
    length: u32,
    elements: *mut c_void,
}

fn oid(der: &'static [u8]) -> Oid {
    Oid { length: der.len() as u32, elements: der.as_ptr() as *mut c_void }
}

#[repr(C)]
struct OidSet {
    count: usize,
    elements: *mut Oid,
}

#[repr(C)]
struct KeyValue {
    key: *const c_char,
    value: *const c_char,
}

#[repr(C)]
struct KeyValueSet {
    count: u32,
    elements: *mut KeyValue,
}

type Handle = *mut c_void;

type ImportName = unsafe extern "C" fn(*mut u32, *mut Buffer, *mut Oid, *mut Handle) -> u32;
type AcquireCredFrom = unsafe extern "C" fn(
    *mut u32,
    Handle,
    u32,
    *mut OidSet,
    c_int,
    *const KeyValueSet,
    *mut Handle,
    *mut *mut OidSet,
    *mut u32,
) -> u32;
type InitSecContext = unsafe extern "C" fn(
    *mut u32,
    Handle,
    *mut Handle,
    Handle,
    *mut Oid,
    u32,
    u32,
    *mut c_void,
    *mut Buffer,
    *mut *mut Oid,
    *mut Buffer,
    *mut u32,
    *mut u32,
) -> u32;
type Wrap = unsafe extern "C" fn(*mut u32, Handle, c_int, u32, *mut Buffer, *mut c_int, *mut Buffer) -> u32;
type Unwrap = unsafe extern "C" fn(*mut u32, Handle, *mut Buffer, *mut Buffer, *mut c_int, *mut u32) -> u32;
type ReleaseBuffer = unsafe extern "C" fn(*mut u32, *mut Buffer) -> u32;
type ReleaseHandle = unsafe extern "C" fn(*mut u32, *mut Handle) -> u32;
type DeleteSecContext = unsafe extern "C" fn(*mut u32, *mut Handle, *mut Buffer) -> u32;
type DisplayStatus = unsafe extern "C" fn(*mut u32, u32, c_int, *mut Oid, *mut u32, *mut Buffer) -> u32;

/// The library's functions, loaded once per process and never unloaded.
struct Gss {
    _library: libloading::Library,
    import_name: ImportName,
    acquire_cred_from: AcquireCredFrom,
    init_sec_context: InitSecContext,
    wrap: Wrap,
    unwrap: Unwrap,
    release_buffer: ReleaseBuffer,
    release_name: ReleaseHandle,
    release_cred: ReleaseHandle,
    delete_sec_context: DeleteSecContext,
    display_status: DisplayStatus,
}

fn gss() -> Result<&'static Gss, String> {
    static LOADED: OnceLock<Result<Gss, String>> = OnceLock::new();
    LOADED.get_or_init(load).as_ref().map_err(Clone::clone)
}

fn load() -> Result<Gss, String> {
    let missing = |e: libloading::Error| {
        format!(
            "MIT Kerberos's {LIBRARY} is needed (package libgssapi-krb5-2 on Debian and Ubuntu, krb5-libs on RHEL): \
             {e}"
        )
    };
    // Test builds can name a library that is not there: a host without Kerberos.
    #[cfg(feature = "test-hooks")]
    let name = std::env::var("KAFKA_OFFSETS_TEST_GSSAPI_LIBRARY").unwrap_or_else(|_| LIBRARY.to_string());
    #[cfg(not(feature = "test-hooks"))]
    let name = LIBRARY;
    // SAFETY: loading MIT's GSSAPI library runs its initialisers, which only set up its own state.
    let library = unsafe { libloading::Library::new(name) }.map_err(missing)?;
    macro_rules! symbol {
        ($name:literal) => {
            // SAFETY: the type is the function's prototype in MIT's <gssapi/gssapi.h> (and gssapi_ext.h); the
            // pointer is used only while `library` is loaded, which is for the life of the process.
            *unsafe { library.get(concat!($name, "\0").as_bytes()) }.map_err(missing)?
        };
    }
    Ok(Gss {
        import_name: symbol!("gss_import_name"),
        acquire_cred_from: symbol!("gss_acquire_cred_from"),
        init_sec_context: symbol!("gss_init_sec_context"),
        wrap: symbol!("gss_wrap"),
        unwrap: symbol!("gss_unwrap"),
        release_buffer: symbol!("gss_release_buffer"),
        release_name: symbol!("gss_release_name"),
        release_cred: symbol!("gss_release_cred"),
        delete_sec_context: symbol!("gss_delete_sec_context"),
        display_status: symbol!("gss_display_status"),
        _library: library,
    })
}

impl Gss {
    /// Copies a buffer the library allocated, and releases it.
    fn take(&self, mut buffer: Buffer) -> Vec<u8> {
        if buffer.value.is_null() || buffer.length == 0 {
            return Vec::new();
        }
        // SAFETY: the library filled `buffer` with `length` readable bytes at `value`.
        let bytes = unsafe { std::slice::from_raw_parts(buffer.value as *const u8, buffer.length) }.to_vec();
        let mut minor = 0;
        // SAFETY: the buffer came from the library and is released once.
        unsafe { (self.release_buffer)(&mut minor, &mut buffer) };
        bytes
    }

    /// The library's words for a failed call: the mechanism's (minor) status when it has one, else the major's.
    fn describe(&self, major: u32, minor: u32) -> String {
        let (code, kind) = if minor != 0 { (minor, GSS_C_MECH_CODE) } else { (major, GSS_C_GSS_CODE) };
        let mut mech = oid(KRB5_MECH);
        let mut words = Vec::new();
        let mut context = 0u32;
        loop {
            let (mut ignored, mut text) = (0, Buffer::empty());
            // SAFETY: `text` is an empty output buffer; `context` carries the library's place between calls.
            let status = unsafe { (self.display_status)(&mut ignored, code, kind, &mut mech, &mut context, &mut text) };
            if status & GSS_ERROR_MASK != 0 {
                break;
            }
            words.push(String::from_utf8_lossy(&self.take(text)).trim().to_string());
            if context == 0 || words.len() > 8 {
                break;
            }
        }
        if words.is_empty() {
            format!("GSSAPI status {major:#x}/{minor:#x}")
        } else {
            words.join("; ")
        }
    }

    fn check(&self, major: u32, minor: u32, what: &str) -> Result<(), String> {
        if major & GSS_ERROR_MASK == 0 {
            Ok(())
        } else {
            Err(format!("{what}: {}", self.describe(major, minor)))
        }
    }

    fn import_name(&self, name: &str, kind: &'static [u8]) -> Result<Handle, String> {
        let (mut minor, mut handle) = (0, ptr::null_mut());
        let mut input = Buffer::of(name.as_bytes());
        let mut kind = oid(kind);
        // SAFETY: `input` points at `name`'s bytes for the call; `handle` receives a name released by its owner.
        let major = unsafe { (self.import_name)(&mut minor, &mut input, &mut kind, &mut handle) };
        self.check(major, minor, &format!("cannot use the name {name}"))?;
        Ok(handle)
    }
}

/// Where the client's Kerberos credentials come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A keytab (the JAAS `useKeyTab=true keyTab=...`), for `principal` or its first entry.
    Keytab { keytab: String, principal: Option<String> },
    /// A ticket cache (`useTicketCache=true`): a named one, else `KRB5CCNAME` or the default.
    TicketCache { cache: Option<String>, principal: Option<String> },
}

/// One security context being set up with a broker, then used for the SASL security-layer exchange (RFC 4752).
pub struct Initiator {
    gss: &'static Gss,
    credential: Handle,
    target: Handle,
    context: Handle,
    complete: bool,
}

impl Initiator {
    /// Credentials acquired and the broker's name (`service@host`) imported; nothing is sent to the KDC yet.
    pub fn new(credentials: &Credentials, service: &str, host: &str) -> Result<Initiator, String> {
        let gss = gss()?;
        let mut initiator = Initiator {
            gss,
            credential: ptr::null_mut(),
            target: ptr::null_mut(),
            context: ptr::null_mut(),
            complete: false,
        };
        initiator.target = gss.import_name(&format!("{service}@{host}"), HOSTBASED_SERVICE)?;
        let (principal, store): (&Option<String>, Vec<(&str, String)>) = match credentials {
            Credentials::Keytab { keytab, principal } => (
                principal,
                // The tickets of a keytab login stay in this process's memory.
                vec![
                    ("client_keytab", keytab.clone()),
                    ("ccache", format!("MEMORY:offset-tools-{}", std::process::id())),
                ],
            ),
            Credentials::TicketCache { cache, principal } => {
                (principal, cache.iter().map(|c| ("ccache", c.clone())).collect())
            }
        };
        let mut name = match principal {
            Some(principal) => gss.import_name(principal, KRB5_PRINCIPAL_NAME)?,
            None => ptr::null_mut(),
        };
        let strings: Vec<(CString, CString)> = store
            .iter()
            .map(|(k, v)| Ok((CString::new(*k)?, CString::new(v.as_str())?)))
            .collect::<Result<_, std::ffi::NulError>>()
            .map_err(|_| "a Kerberos credential setting holds a NUL character".to_string())?;
        let mut elements: Vec<KeyValue> =
            strings.iter().map(|(k, v)| KeyValue { key: k.as_ptr(), value: v.as_ptr() }).collect();
        let set = KeyValueSet { count: elements.len() as u32, elements: elements.as_mut_ptr() };
        let mut mech = oid(KRB5_MECH);
        let mut mechs = OidSet { count: 1, elements: &mut mech };
        let mut minor = 0;
        // SAFETY: every pointer is valid for the call (`set` and its strings live to its end); the credential
        // handle is released on drop.
        let major = unsafe {
            (gss.acquire_cred_from)(
                &mut minor,
                name,
                GSS_C_INDEFINITE,
                &mut mechs,
                GSS_C_INITIATE,
                &set,
                &mut initiator.credential,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if !name.is_null() {
            let mut ignored = 0;
            // SAFETY: the name came from gss_import_name and is released once.
            unsafe { (gss.release_name)(&mut ignored, &mut name) };
        }
        if let (Credentials::Keytab { keytab, principal: Some(principal) }, true) =
            (credentials, major & GSS_ERROR_MASK != 0 && minor == KRB5_FCC_NOFILE)
        {
            return Err(format!("cannot log in with the keytab {keytab}: it holds no key of {principal}"));
        }
        let what = match credentials {
            Credentials::Keytab { keytab, .. } => format!("cannot log in with the keytab {keytab}"),
            Credentials::TicketCache { cache: Some(cache), .. } => format!("cannot use the ticket cache {cache}"),
            Credentials::TicketCache { cache: None, .. } => "cannot use the default ticket cache".to_string(),
        };
        gss.check(major, minor, &what)?;
        Ok(initiator)
    }

    /// One step of the context: the broker's last token in (empty at first), ours out, and whether the context is
    /// now established.
    pub fn step(&mut self, input: &[u8]) -> Result<(Vec<u8>, bool), String> {
        let mut input = Buffer::of(input);
        let input_ptr: *mut Buffer = if input.length == 0 { ptr::null_mut() } else { &mut input };
        let (mut minor, mut output) = (0, Buffer::empty());
        let mut mech = oid(KRB5_MECH);
        let flags = GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
        // SAFETY: the handles are ours (the context is created by the first call and deleted on drop); the input
        // buffer outlives the call; the output buffer is taken below.
        let major = unsafe {
            (self.gss.init_sec_context)(
                &mut minor,
                self.credential,
                &mut self.context,
                self.target,
                &mut mech,
                flags,
                0,
                ptr::null_mut(),
                input_ptr,
                ptr::null_mut(),
                &mut output,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        let token = self.gss.take(output);
        self.gss.check(major, minor, "the Kerberos login failed")?;
        self.complete = major & GSS_S_CONTINUE_NEEDED == 0;
        Ok((token, self.complete))
    }

    /// A message of the broker's, unwrapped (integrity checked).
    pub fn unwrap(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        if !self.complete {
            return Err("the Kerberos context is not established".into());
        }
        let mut input = Buffer::of(message);
        let (mut minor, mut output, mut confidential, mut qop) = (0, Buffer::empty(), 0, 0);
        // SAFETY: as in `step`.
        let major = unsafe {
            (self.gss.unwrap)(&mut minor, self.context, &mut input, &mut output, &mut confidential, &mut qop)
        };
        let bytes = self.gss.take(output);
        self.gss.check(major, minor, "cannot read the broker's security layer message")?;
        Ok(bytes)
    }

    /// A message for the broker, wrapped with integrity only.
    pub fn wrap(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        if !self.complete {
            return Err("the Kerberos context is not established".into());
        }
        let mut input = Buffer::of(message);
        let (mut minor, mut output, mut confidential) = (0, Buffer::empty(), 0);
        // SAFETY: as in `step`.
        let major =
            unsafe { (self.gss.wrap)(&mut minor, self.context, 0, 0, &mut input, &mut confidential, &mut output) };
        let bytes = self.gss.take(output);
        self.gss.check(major, minor, "cannot wrap the security layer answer")?;
        Ok(bytes)
    }
}

impl Drop for Initiator {
    fn drop(&mut self) {
        let mut minor = 0;
        // SAFETY: each handle was made by the library for this initiator, and is released once (null ones are
        // skipped).
        unsafe {
            if !self.context.is_null() {
                (self.gss.delete_sec_context)(&mut minor, &mut self.context, ptr::null_mut());
            }
            if !self.target.is_null() {
                (self.gss.release_name)(&mut minor, &mut self.target);
            }
            if !self.credential.is_null() {
                (self.gss.release_cred)(&mut minor, &mut self.credential);
            }
        }
    }
}
