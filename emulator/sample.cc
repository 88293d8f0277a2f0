#include "sample.h"

#include <vector>

#include "pg.h"

namespace rsx::emu {

Status LoadTickit(PGconn* conn, int scale) {
  if (scale < 1) return Status::InvalidArgument("--sample-scale must be at least 1");
  const std::string s = std::to_string(scale);
  std::vector<std::string> sql = {
      "set client_min_messages = warning",
      "drop table if exists sales, listing, event, date, category, venue, users, all_types cascade",
      // setseed makes every run produce the same data.
      "select setseed(0.42)",
      "create table users (userid integer not null primary key, username char(8), "
      "firstname varchar(30), lastname varchar(30), city varchar(30), state char(2), "
      "email varchar(100), phone char(14), likesports boolean, liketheatre boolean, "
      "likeconcerts boolean, likejazz boolean, likeclassical boolean, likeopera boolean, "
      "likerock boolean, likevegas boolean, likebroadway boolean, likemusicals boolean)",
      "insert into users select g, 'user' || lpad((g % 10000)::text, 4, '0'), "
      "(array['Lars','Mary','Ōtsuka','Zoë','Björn','Ana','Chen','Amir'])[1 + g % 8], "
      "(array['Ratliff','O''Brien','Müller','García','Nakamura','Smith'])[1 + g % 6], "
      "(array['Kent','Paris','São Paulo','Köln','Seattle'])[1 + g % 5], "
      "(array['WA','NY','CA','TX','FL'])[1 + g % 5], 'user' || g || '@example.com', "
      "'(' || lpad((g % 1000)::text, 3, '0') || ') 555-0100', "
      "case when g % 7 = 0 then null else g % 2 = 0 end, g % 3 = 0, g % 5 = 0, g % 2 = 1, "
      "g % 11 = 0, g % 13 = 0, g % 4 = 0, g % 6 = 0, g % 9 = 0, g % 10 = 0 "
      "from generate_series(1, 5000 * " +
          s + ") g",
      "create table venue (venueid smallint not null primary key, venuename varchar(100), "
      "venuecity varchar(30), venuestate char(2), venueseats integer)",
      "insert into venue select g, 'Venue ' || g || (case when g % 9 = 0 then ' \"Arena\"' else '' "
      "end), "
      "(array['New York City','Chicago','Montréal','Los Angeles'])[1 + g % 4], "
      "(array['NY','IL','QC','CA'])[1 + g % 4], case when g % 5 = 0 then null else 1000 * g end "
      "from generate_series(1, 202) g",
      "create table category (catid smallint not null primary key, catgroup varchar(10), "
      "catname varchar(10), catdesc varchar(50))",
      "insert into category values (1,'Sports','MLB','Major League Baseball'),"
      "(2,'Sports','NHL','National Hockey League'),(3,'Sports','NFL','National Football League'),"
      "(4,'Sports','NBA','National Basketball Association'),(5,'Sports','MLS','Major League "
      "Soccer'),"
      "(6,'Shows','Musicals','Musical theatre'),(7,'Shows','Plays','All non-musical theatre'),"
      "(8,'Shows','Opera','All opera and light opera'),(9,'Concerts','Pop','All rock and pop music "
      "concerts'),"
      "(10,'Concerts','Jazz','All jazz singers and bands'),(11,'Concerts','Classical','All "
      "symphony, concerto, and choir concerts')",
      "create table date (dateid smallint not null primary key, caldate date not null, "
      "day character(3) not null, week smallint not null, month character(5) not null, "
      "qtr character(5) not null, year smallint not null, holiday boolean default false)",
      "insert into date select 1827 + g, d, to_char(d, 'DY'), extract(week from d), "
      "to_char(d, 'MON'), extract(quarter from d)::text, extract(year from d), "
      "to_char(d, 'MM-DD') in ('01-01','07-04','12-25') "
      "from generate_series(0, 364) g, lateral (select date '2008-01-01' + g as d) x",
      "create table event (eventid integer not null primary key, venueid smallint not null, "
      "catid smallint not null, dateid smallint not null, eventname varchar(200), "
      "starttime timestamp)",
      "insert into event select g, 1 + g % 202, 1 + g % 11, 1827 + g % 365, "
      "(array['Gotterdammerung','Mamma Mia!','The Hives','Ève & Léon','Shrek the Musical'])[1 + g "
      "% 5] || ' #' || g, "
      "timestamp '2008-01-01 19:30:00' + (g % 365) * interval '1 day' + (g % 3) * interval '90 "
      "minutes' "
      "from generate_series(1, 1000 * " +
          s + ") g",
      "create table listing (listid integer not null primary key, sellerid integer not null, "
      "eventid integer not null, dateid smallint not null, numtickets smallint not null, "
      "priceperticket decimal(8,2), totalprice decimal(8,2), listtime timestamp)",
      "insert into listing select g, 1 + (g * 7) % (5000 * " + s + "), 1 + g % (1000 * " + s +
          "), "
          "1827 + g % 365, 1 + g % 30, (10 + (g * 37) % 2000) / 4.0, (1 + g % 30) * (10 + (g * 37) "
          "% 2000) / 4.0, "
          "timestamp '2008-01-01 00:00:00' + g * interval '17 minutes 3 seconds' "
          "from generate_series(1, 20000 * " +
          s + ") g",
      "create table sales (salesid integer not null primary key, listid integer not null, "
      "sellerid integer not null, buyerid integer not null, eventid integer not null, "
      "dateid smallint not null, qtysold smallint not null, pricepaid decimal(8,2), "
      "commission decimal(8,2), saletime timestamp)",
      "insert into sales select g, l.listid, l.sellerid, 1 + (g * 13) % (5000 * " + s +
          "), l.eventid, "
          "l.dateid, 1 + g % 4, (1 + g % 4) * l.priceperticket, round((1 + g % 4) * "
          "l.priceperticket * 0.15, 2), "
          "l.listtime + (g % 1000) * interval '1 minute' "
          "from generate_series(1, 17000 * " +
          s + ") g join listing l on l.listid = g",
      // Every type rsx maps, with the values that break naive clients.
      "create table all_types (id integer primary key, c_smallint smallint, c_integer integer, "
      "c_bigint bigint, c_decimal numeric(38,10), c_numeric_18_4 numeric(18,4), c_real real, "
      "c_double double precision, c_boolean boolean, c_char char(10), c_varchar varchar(256), "
      "c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, "
      "c_timestamptz timestamptz, c_interval interval, c_super jsonb, c_varbyte bytea)",
      "insert into all_types values "
      "(1, -32768, -2147483648, -9223372036854775808, -9999999999999999999999999999.9999999999, "
      "-99999999999999.9999, -3.4e38, -1.7976931348623157e308, false, 'a', '', "
      "'0001-01-01', '00:00:00', '00:00:00+14', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', "
      "'-178000000 years', '{}', '\\x'),"
      "(2, 32767, 2147483647, 9223372036854775807, 9999999999999999999999999999.9999999999, "
      "99999999999999.9999, 3.4e38, 1.7976931348623157e308, true, 'zzzzzzzzzz', "
      "'unicode: ☃ 日本語 Zoë 😀 \"quoted\" back\\slash tab\there', '9999-12-31', "
      "'23:59:59.999999', '23:59:59.999999-12', '9999-12-31 23:59:59.999999', "
      "'2024-06-30 23:59:59.999999+05:30', '178000000 years', "
      "'{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": \"ü\"}}', '\\x00ff10'),"
      "(3, null, null, null, null, null, null, null, null, null, null, null, null, null, null, "
      "null, null, null, null),"
      "(4, 0, 0, 0, 0.0000000001, 0.0001, 1.17549e-38, 2.2250738585072014e-308, true, "
      "'line\nbreak', 'comma, and \"quote\"', '2000-02-29', '12:34:56', '12:34:56-03:30', "
      "'2000-02-29 12:34:56.5', '2000-02-29 12:34:56.5-08', '1 year 2 mons 3 days 04:05:06.789', "
      "'[\"array\", 1]', '\\x68656c6c6f')",
      "analyze",
  };
  for (const auto& q : sql) {
    auto r = Exec(conn, q);
    if (!r.ok()) return Status(r.status()).Prepend("loading the tickit sample");
  }
  return Status::OK();
}

}  // namespace rsx::emu
