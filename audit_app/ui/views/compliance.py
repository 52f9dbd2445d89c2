import streamlit as st

st.title("compliance")
st.info("Coming soon")
