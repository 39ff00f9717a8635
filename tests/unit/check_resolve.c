/*
 * check_resolve.c - what resolve.c answers without asking DNS: a name
 * longer than DNS allows does not exist (so a recipient domain near 253
 * octets has no _mta-sts record, rather than a lookup failure), and an
 * empty name is an error. The resolver points at a port where nothing
 * answers, so any query sent would time out instead.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "resolve.h"
#include "unit.h"

START_TEST(test_name_bounds)
{
	struct resolver *r;
	struct txt_rrset set;
	struct mx_rrset mx;
	char	name[RESOLVE_NAME_MAX + 16], err[256];

	r = resolver_new("127.0.0.1:9", 100, 1, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	memset(name, 'a', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(resolve_txt(r, name, &set), RESOLVE_NXDOMAIN);
	txt_rrset_free(&set);
	name[RESOLVE_NAME_MAX] = '\0';
	ck_assert_int_eq(resolve_mx(r, name, &mx), RESOLVE_NXDOMAIN);
	ck_assert_int_eq(resolve_txt(r, "", &set), RESOLVE_ERROR);
	txt_rrset_free(&set);
	resolver_free(r);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("bounds");

	tcase_add_test(tc, test_name_bounds);
	suite_add_tcase(s, tc);
	return s;
}
