#!/usr/bin/env bash
# The Kerberos tests (tests/kerberos_real.rs) start an MIT KDC of their own on loopback: krb5kdc and kdb5_util
# (krb5-kdc), kadmin.local (krb5-admin-server, whose own service is never started) and kinit (krb5-user); the tools
# load MIT's libgssapi_krb5.so.2 at run time. Installs Debian's packages when one is missing and we are allowed to
# (root with apt-get).
set -euo pipefail

have() {
    PATH="$PATH:/usr/sbin:/sbin" command -v "$1" >/dev/null
}
if have krb5kdc && have kdb5_util && have kadmin.local && have kinit && ldconfig -p 2>/dev/null | grep -q libgssapi_krb5.so.2; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ensure-krb5: installing MIT Kerberos (krb5-kdc krb5-admin-server krb5-user libgssapi-krb5-2)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        krb5-kdc krb5-admin-server krb5-user libgssapi-krb5-2 >&2
    # The packages start their own KDC and admin server for the machine's realm: the tests need neither.
    for service in krb5-kdc krb5-admin-server; do
        (service "$service" stop || true) >/dev/null 2>&1
    done
    exit 0
fi
echo "ensure-krb5: MIT Kerberos (krb5kdc, kdb5_util, kadmin.local, kinit, libgssapi_krb5.so.2) is needed by the Kerberos tests; install krb5-kdc krb5-admin-server krb5-user" >&2
exit 1
